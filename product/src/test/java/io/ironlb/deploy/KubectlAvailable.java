package io.ironlb.deploy;

/** Whether kubectl is on the PATH, for tests that need it (CI installs it; they skip with a message otherwise). */
public final class KubectlAvailable {
  private KubectlAvailable() {}

  public static boolean installed() {
    return Manifests.kubectlInstalled();
  }
}
