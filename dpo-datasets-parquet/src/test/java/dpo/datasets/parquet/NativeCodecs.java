package dpo.datasets.parquet;

import com.github.luben.zstd.Zstd;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.xerial.snappy.Snappy;

/**
 * SNAPPY and ZSTD through the native reference libraries (snappy-java, zstd-jni), the same C code
 * that pyarrow compresses with: pages they compress must decompress with {@link PageCodecs}, and
 * the other way round.
 */
final class NativeCodecs implements CompressionCodecFactory {
  @Override
  public BytesInputCompressor getCompressor(CompressionCodecName codec) {
    return new BytesInputCompressor() {
      @Override
      public BytesInput compress(BytesInput bytes) throws IOException {
        byte[] input = bytes.toByteArray();
        return BytesInput.from(
            codec == CompressionCodecName.SNAPPY ? Snappy.compress(input) : Zstd.compress(input));
      }

      @Override
      public CompressionCodecName getCodecName() {
        return codec;
      }

      @Override
      public void release() {}
    };
  }

  @Override
  public BytesInputDecompressor getDecompressor(CompressionCodecName codec) {
    return new BytesInputDecompressor() {
      @Override
      public BytesInput decompress(BytesInput bytes, int size) throws IOException {
        byte[] input = bytes.toByteArray();
        byte[] output =
            codec == CompressionCodecName.SNAPPY
                ? Snappy.uncompress(input)
                : Zstd.decompress(input, size);
        if (output.length != size) {
          throw new IOException("expected " + size + " bytes, got " + output.length);
        }
        return BytesInput.from(output);
      }

      @Override
      public void decompress(ByteBuffer input, int compressedSize, ByteBuffer output, int size)
          throws IOException {
        byte[] bytes = new byte[compressedSize];
        input.get(bytes);
        output.put(decompress(BytesInput.from(bytes), size).toByteArray());
      }

      @Override
      public void release() {}
    };
  }

  @Override
  public void release() {}
}
