module "ui_service" {
  source               = "./service"
  service_name         = "ui"
  container_image      = module.images.result.ui.url
  alb_target_group_arn = element(module.alb.target_group_arns, 0)
  environment = {
    CARTS_ENDPOINT    = "http://carts"
    CHECKOUT_ENDPOINT = "http://checkout"
  }
}

module "cart_service" {
  source          = "./service"
  service_name    = "cart"
  container_image = module.images.result.cart.url
}
