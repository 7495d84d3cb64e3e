package io.warren.deploy.internal;

import io.warren.api.Stream;
import io.warren.api.StreamHandler;
import io.warren.deploy.Deployer;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * Accepts uploads of the version before resumable ones ({@value DeployService#PROTOCOL_V1}: the whole
 * artifact after the token line, no offset answered), so a node not yet updated can still push here;
 * {@link DeployService} serves them without resuming.
 */
@Component(service = StreamHandler.class, property = StreamHandler.PROTOCOL + "=" + DeployService.PROTOCOL_V1)
public final class UploadV1Handler implements StreamHandler {
  private final DeployService service;

  @Activate
  public UploadV1Handler(
      @Reference(target = "(component.name=io.warren.deploy.internal.DeployService)") Deployer deployer) {
    this.service = (DeployService) deployer;
  }

  @Override
  public void handle(Stream stream) {
    service.handle(stream);
  }
}
