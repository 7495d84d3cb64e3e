package io.warren.federation.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node to join through, from its shareable identity ({@code node:identity -b64}): base64 of
 * {@code {"name": ..., "peerId": ..., "addresses": [...]}}.
 */
record Bootstrap(String name, String peerId, List<String> addresses) {
  private static final Logger LOG = LoggerFactory.getLogger(Bootstrap.class);
  private static final JsonFactory JSON = new JsonFactory();

  Bootstrap {
    addresses = List.copyOf(addresses);
  }

  static Bootstrap parse(String base64) {
    byte[] json;
    try {
      json = Base64.getDecoder().decode(base64.strip());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("not base64: " + e.getMessage());
    }
    String name = "";
    String peerId = null;
    List<String> addresses = new ArrayList<>();
    try (JsonParser p = JSON.createParser(json)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IllegalArgumentException("not a JSON object");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken t = p.nextToken();
        switch (field) {
          case "name" -> name = t == JsonToken.VALUE_STRING ? p.getText() : "";
          case "peerId" -> peerId = t == JsonToken.VALUE_STRING ? p.getText() : null;
          case "addresses" -> {
            if (t != JsonToken.START_ARRAY) {
              throw new IllegalArgumentException("addresses is not a list");
            }
            while (p.nextToken() == JsonToken.VALUE_STRING) {
              addresses.add(p.getText());
            }
          }
          default -> p.skipChildren();
        }
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("not JSON: " + e.getMessage());
    }
    if (peerId == null || peerId.isBlank()) {
      throw new IllegalArgumentException("no peerId in it");
    }
    return new Bootstrap(name, peerId, addresses);
  }

  /** Every identity that parses, except this node's own; the others are logged and skipped. */
  static List<Bootstrap> parseAll(List<String> identities, String self) {
    List<Bootstrap> out = new ArrayList<>();
    for (String id : identities) {
      try {
        Bootstrap b = parse(id);
        if (!b.peerId().equals(self)) {
          out.add(b);
        }
      } catch (IllegalArgumentException e) {
        LOG.warn("federation: a bootstrap identity is unusable ({}); it is skipped", e.getMessage());
      }
    }
    return out;
  }
}
