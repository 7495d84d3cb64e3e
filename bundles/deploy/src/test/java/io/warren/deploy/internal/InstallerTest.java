package io.warren.deploy.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class InstallerTest {
  @Test
  void aComponentFailureIsTheDeepestCauseOfSCRsStackTrace() {
    String scr = """
        java.lang.reflect.InvocationTargetException
        \tat java.base/jdk.internal.reflect.X.newInstance(X.java:62)
        Caused by: java.lang.RuntimeException: wrapped
        \tat a.B.c(B.java:1)
        Caused by: java.lang.IllegalStateException: broken on purpose
        \tat a.B.d(B.java:2)
        """;
    assertEquals("java.lang.IllegalStateException: broken on purpose", Installer.rootCause(scr));
    assertEquals("java.lang.Error: plain", Installer.rootCause("java.lang.Error: plain\n\tat x.Y(Y.java:1)"));
    assertEquals("(SCR gave no reason)", Installer.rootCause(null));
  }
}
