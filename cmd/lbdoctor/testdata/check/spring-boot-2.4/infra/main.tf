resource "aws_lb" "api" {
  name               = "extension-api"
  internal           = false
  load_balancer_type = "application"
  subnets            = var.public_subnets
}

resource "aws_lb" "grpc" {
  name               = "grpc-nlb"
  load_balancer_type = "network"
}
