package dpo.backend.gpu.safetensors;

/** Package-private conversions of this package for tests elsewhere. */
public final class SafeTensorsTestAccess {
  private SafeTensorsTestAccess() {}

  /**
   * binary16 to float32.
   *
   * @param half the bits
   * @return the value
   */
  public static float half(short half) {
    return SafeTensors.halfToFloat(half);
  }
}
