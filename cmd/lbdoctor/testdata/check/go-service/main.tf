resource "aws_lb" "api" {
  name         = "go-api"
  idle_timeout = 60
}
