package io.warren.federation.internal;

import io.warren.api.RecordAttributes;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.FieldOption;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whiteboard of {@link RecordAttributes}: what this node's services put into its signed record,
 * read by the {@link PeerTable} at each sync round (so a service coming or going, or changing what
 * it says, is signed again within about a second).
 */
@Component(service = ServiceAttributes.class)
public final class ServiceAttributes implements Supplier<Map<String, String>> {
  private static final Logger LOG = LoggerFactory.getLogger(ServiceAttributes.class);

  @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
      fieldOption = FieldOption.UPDATE) private final List<RecordAttributes> sources = new CopyOnWriteArrayList<>();

  /** Every registered service's attributes; a key two services give keeps the first one's value. */
  @Override
  public Map<String, String> get() {
    return RecordAttributes.merge(sources, (source, e) -> LOG.warn("federation: record attributes of {} not read",
        source, e));
  }
}
