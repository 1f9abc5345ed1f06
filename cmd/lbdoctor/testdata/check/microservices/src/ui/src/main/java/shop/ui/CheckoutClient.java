package shop.ui;

import org.springframework.web.reactive.function.client.WebClient;

public class CheckoutClient {
  private final WebClient client;

  public CheckoutClient(String endpoint) {
    this.client = WebClient.builder().baseUrl(endpoint).build();
  }
}
