variable "idle" {
  default = 300
}

resource "aws_lb" "web" {
  name         = "web"
  idle_timeout = 120 # raised for slow report downloads
}

resource "aws_alb" "admin" {
  name         = "admin"
  idle_timeout = var.idle
}
