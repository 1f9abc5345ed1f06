module "alb" {
  source  = "terraform-aws-modules/alb/aws"
  version = "~> 8.0"

  name               = "shop-ui"
  load_balancer_type = "application"

  target_groups = [
    {
      name             = "ui"
      backend_protocol = "HTTP"
      backend_port     = 8080
      target_type      = "ip"
    }
  ]
}
