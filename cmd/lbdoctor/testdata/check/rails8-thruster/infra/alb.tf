resource "aws_lb" "web" {
  name               = "shop-web"
  load_balancer_type = "application"
}

resource "aws_lb_target_group" "web" {
  port     = 80
  protocol = "HTTP"
}

resource "aws_ecs_service" "web" {
  name = "shop-web"
  load_balancer {
    target_group_arn = aws_lb_target_group.web.arn
    container_name   = "web"
    container_port   = 80
  }
}
