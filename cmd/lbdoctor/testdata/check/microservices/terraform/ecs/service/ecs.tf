variable "alb_target_group_arn" {
  default = ""
}

resource "aws_ecs_service" "this" {
  name = var.service_name
  dynamic "load_balancer" {
    for_each = var.alb_target_group_arn == "" ? [] : [1]
    content {
      target_group_arn = var.alb_target_group_arn
      container_name   = "${var.service_name}-service"
      container_port   = 8080
    }
  }
}
