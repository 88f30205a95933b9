package dpo.datasets.parquet;

import io.airlift.compress.Compressor;
import io.airlift.compress.Decompressor;
import io.airlift.compress.MalformedInputException;
import io.airlift.compress.lz4.Lz4Compressor;
import io.airlift.compress.lz4.Lz4Decompressor;
import io.airlift.compress.snappy.SnappyCompressor;
import io.airlift.compress.snappy.SnappyDecompressor;
import io.airlift.compress.zstd.ZstdCompressor;
import io.airlift.compress.zstd.ZstdDecompressor;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.EnumSet;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipException;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;

/**
 * Compresses and decompresses Parquet pages in pure Java: aircompressor for SNAPPY, ZSTD and
 * LZ4_RAW, the JDK for GZIP. parquet-hadoop's own factory goes through Hadoop's codec classes and
 * native libraries, which would need most of Hadoop on the class path.
 *
 * <p>A page states its uncompressed size; a corrupt one can state any size up to 2 GiB. Where the
 * compressed stream records its own size (SNAPPY, ZSTD), the two are compared before anything is
 * allocated, and an allocation that still does not fit in memory is reported as an {@link
 * IOException} rather than an {@link OutOfMemoryError}.
 */
final class PageCodecs implements CompressionCodecFactory {
  /** The codecs this factory reads; the others are rejected before any page is read. */
  static final Set<CompressionCodecName> READABLE =
      EnumSet.of(
          CompressionCodecName.UNCOMPRESSED,
          CompressionCodecName.SNAPPY,
          CompressionCodecName.GZIP,
          CompressionCodecName.ZSTD,
          CompressionCodecName.LZ4_RAW);

  // Covers the fixed overhead of tiny pages (headers of the compressed formats).
  private static final int SLACK = 1 << 10;

  @Override
  public BytesInputCompressor getCompressor(CompressionCodecName codec) {
    return new PageCompressor(codec);
  }

  @Override
  public BytesInputDecompressor getDecompressor(CompressionCodecName codec) {
    if (!READABLE.contains(codec)) {
      throw new IllegalArgumentException("unsupported Parquet compression " + codec);
    }
    return new PageDecompressor(codec);
  }

  @Override
  public void release() {
    // Nothing is pooled.
  }

  private static final class PageCompressor implements BytesInputCompressor {
    private final CompressionCodecName codec;
    private final Compressor block;

    PageCompressor(CompressionCodecName codec) {
      this.codec = codec;
      this.block =
          switch (codec) {
            case SNAPPY -> new SnappyCompressor();
            case ZSTD -> new ZstdCompressor();
            case LZ4_RAW -> new Lz4Compressor();
            case UNCOMPRESSED, GZIP -> null;
            default ->
                throw new IllegalArgumentException("unsupported Parquet compression " + codec);
          };
    }

    @Override
    public BytesInput compress(BytesInput bytes) throws IOException {
      if (codec == CompressionCodecName.UNCOMPRESSED) {
        return bytes;
      }
      byte[] input = bytes.toByteArray();
      if (codec == CompressionCodecName.GZIP) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(input.length / 2 + 64);
        try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
          gzip.write(input);
        }
        return BytesInput.from(out.toByteArray());
      }
      byte[] output = new byte[block.maxCompressedLength(input.length)];
      int length = block.compress(input, 0, input.length, output, 0, output.length);
      return BytesInput.from(output, 0, length);
    }

    @Override
    public CompressionCodecName getCodecName() {
      return codec;
    }

    @Override
    public void release() {
      // Nothing to give back.
    }
  }

  private static final class PageDecompressor implements BytesInputDecompressor {
    private final CompressionCodecName codec;

    PageDecompressor(CompressionCodecName codec) {
      this.codec = codec;
    }

    @Override
    public BytesInput decompress(BytesInput bytes, int size) throws IOException {
      if (codec == CompressionCodecName.UNCOMPRESSED) {
        return bytes;
      }
      return BytesInput.from(decompress(bytes.toByteArray(), size));
    }

    @Override
    public void decompress(ByteBuffer input, int compressedSize, ByteBuffer output, int size)
        throws IOException {
      byte[] compressed = new byte[compressedSize];
      input.get(compressed);
      output.put(
          codec == CompressionCodecName.UNCOMPRESSED ? compressed : decompress(compressed, size));
    }

    @Override
    public void release() {
      // Nothing to give back.
    }

    private byte[] decompress(byte[] input, int size) throws IOException {
      if (size < 0) {
        throw new IOException("a page states a negative uncompressed size (" + size + ")");
      }
      try {
        checkStatedSize(input, size);
        byte[] output = allocate(size);
        int length =
            codec == CompressionCodecName.GZIP
                ? gunzip(input, output)
                : block().decompress(input, 0, input.length, output, 0, size);
        if (length != size) {
          throw new IOException(
              codec + " page holds " + length + " bytes uncompressed, but states " + size);
        }
        return output;
      } catch (MalformedInputException | ZipException e) {
        throw new IOException(codec + " data of a page is corrupt (" + e.getMessage() + ")", e);
      }
    }

    private Decompressor block() {
      return switch (codec) {
        case SNAPPY -> new SnappyDecompressor();
        case ZSTD -> new ZstdDecompressor();
        default -> new Lz4Decompressor();
      };
    }

    /**
     * Rejects a stated size that the compressed bytes cannot hold: more than the codec's largest
     * expansion of them, or, where the stream records its own size, a different one.
     */
    private void checkStatedSize(byte[] input, int size) throws IOException {
      long most = (long) input.length * maxExpansion() + SLACK;
      if (size > most) {
        throw new IOException(
            codec
                + " page states "
                + size
                + " bytes uncompressed, more than its "
                + input.length
                + " compressed bytes can hold");
      }
      long recorded = -1;
      if (codec == CompressionCodecName.SNAPPY && input.length > 0) {
        recorded = SnappyDecompressor.getUncompressedLength(input, 0);
      } else if (codec == CompressionCodecName.ZSTD && input.length > 0) {
        // The first frame's size (-1 if unrecorded): all of the page unless the writer used
        // several frames, so only a larger one is a contradiction.
        long first = ZstdDecompressor.getDecompressedSize(input, 0, input.length);
        recorded = first > size ? first : -1;
      }
      if (recorded >= 0 && recorded != size) {
        throw new IOException(
            codec + " page holds " + recorded + " bytes uncompressed, but states " + size);
      }
    }

    /** The most bytes one compressed byte can expand to, from each format's densest encoding. */
    private int maxExpansion() {
      return switch (codec) {
        // A 4-byte RLE block (3-byte header, 1 byte) stands for up to 128 KiB.
        case ZSTD -> 32_768;
        // Deflate's longest match, 258 bytes, costs at least 2 bits.
        case GZIP -> 1_032;
        // A copy of up to 64 bytes costs at least 2 bytes.
        case SNAPPY -> 32;
        // Each 255 in a length byte adds 255 bytes.
        default -> 256;
      };
    }

    private static int gunzip(byte[] input, byte[] output) throws IOException {
      try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(input))) {
        int length = in.readNBytes(output, 0, output.length);
        if (in.read() >= 0) {
          throw new IOException(
              "GZIP page holds more than the " + output.length + " bytes it states uncompressed");
        }
        return length;
      }
    }

    private static byte[] allocate(int size) throws IOException {
      try {
        return new byte[size];
      } catch (OutOfMemoryError e) {
        // One array that did not fit: nothing else is affected, so this is safe to report.
        throw new IOException(
            "a page states "
                + size
                + " bytes uncompressed, more than the memory left; the file is most likely"
                + " corrupt (if it is not, give Java more memory, e.g. -Xmx8g)",
            e);
      }
    }
  }
}
