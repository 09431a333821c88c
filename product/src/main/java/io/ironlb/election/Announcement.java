package io.ironlb.election;

import io.ironlb.model.ServiceKey;
import io.ironlb.model.Vip;
import java.util.List;

/**
 * This node announces these addresses of the service.
 *
 * @param interfaces names from the advertisements; empty means "interfaces whose subnet holds the IP"
 */
public record Announcement(ServiceKey service, List<Vip> ips, String pool, List<String> interfaces) {
  public Announcement {
    ips = List.copyOf(ips);
    interfaces = List.copyOf(interfaces);
  }
}
