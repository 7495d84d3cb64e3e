package io.warren.voip.internal;

import io.warren.api.PeerRef;
import java.util.Optional;

/** How {@link MediaStreams} finds the call a media stream belongs to: {@link VoipService} within this bundle. */
public interface MediaCalls {

  /** The overlay media of call {@code id} if {@code from} is its other side and the call was answered. */
  Optional<OverlayMedia> answered(String id, PeerRef from);
}
