package dpo.datasets.parquet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.luben.zstd.Zstd;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.compression.CompressionCodecFactory.BytesInputDecompressor;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.xerial.snappy.Snappy;

class PageCodecsTest {
  private final PageCodecs codecs = new PageCodecs();

  private static byte[] page() {
    // Half text that compresses well, half noise that does not.
    byte[] text =
        "the chosen response is better than the rejected one. "
            .repeat(200)
            .getBytes(StandardCharsets.UTF_8);
    byte[] noise = new byte[text.length];
    new Random(1).nextBytes(noise);
    byte[] page = Arrays.copyOf(text, text.length * 2);
    System.arraycopy(noise, 0, page, text.length, noise.length);
    return page;
  }

  @ParameterizedTest
  @EnumSource(
      value = CompressionCodecName.class,
      names = {"UNCOMPRESSED", "SNAPPY", "GZIP", "ZSTD", "LZ4_RAW"})
  void pagesRoundTripThroughBothEntryPoints(CompressionCodecName codec) throws IOException {
    byte[] page = page();
    byte[] compressed = codecs.getCompressor(codec).compress(BytesInput.from(page)).toByteArray();
    BytesInputDecompressor decompressor = codecs.getDecompressor(codec);

    assertArrayEquals(
        page, decompressor.decompress(BytesInput.from(compressed), page.length).toByteArray());
    ByteBuffer output = ByteBuffer.allocate(page.length);
    decompressor.decompress(ByteBuffer.wrap(compressed), compressed.length, output, page.length);
    assertArrayEquals(page, output.array());
    if (codec != CompressionCodecName.UNCOMPRESSED) {
      assertTrue(compressed.length < page.length * 0.8, codec + ": " + compressed.length);
    }
  }

  @Test
  void aStatedSizeThatContradictsTheSnappyHeaderIsRefusedBeforeDecoding() throws IOException {
    byte[] compressed = Snappy.compress(page());

    IOException e = assertThrows(IOException.class, () -> decompress("SNAPPY", compressed, 100));
    assertTrue(e.getMessage().contains("holds " + page().length), e.getMessage());
  }

  @Test
  void aStatedSizeLargerThanTheCompressedBytesCanHoldIsRefusedWithoutAllocating() {
    byte[] compressed = Zstd.compress(page());

    // Two gigabytes from a few kilobytes: refused by arithmetic, not by an OutOfMemoryError.
    IOException e =
        assertThrows(
            IOException.class, () -> decompress("ZSTD", compressed, Integer.MAX_VALUE - 8));
    assertTrue(e.getMessage().contains("more than its"), e.getMessage());
  }

  @Test
  void moreGzipDataThanStatedIsRefused() throws IOException {
    byte[] compressed =
        codecs
            .getCompressor(CompressionCodecName.GZIP)
            .compress(BytesInput.from(page()))
            .toByteArray();

    IOException e = assertThrows(IOException.class, () -> decompress("GZIP", compressed, 10));
    assertTrue(e.getMessage().contains("more than the 10 bytes"), e.getMessage());
  }

  @ParameterizedTest
  @EnumSource(
      value = CompressionCodecName.class,
      names = {"SNAPPY", "GZIP", "ZSTD", "LZ4_RAW"})
  void corruptDataIsAnIoException(CompressionCodecName codec) throws IOException {
    byte[] page = page();
    byte[] compressed = codecs.getCompressor(codec).compress(BytesInput.from(page)).toByteArray();
    for (int i = 0; i < compressed.length; i += 7) {
      compressed[i] ^= (byte) 0x5A;
    }

    assertThrows(IOException.class, () -> decompress(codec.name(), compressed, page.length));
  }

  @Test
  void codecsItCannotReadAreRefused() {
    assertThrows(
        IllegalArgumentException.class, () -> codecs.getDecompressor(CompressionCodecName.BROTLI));
    assertThrows(
        IllegalArgumentException.class, () -> codecs.getCompressor(CompressionCodecName.LZO));
  }

  private byte[] decompress(String codec, byte[] compressed, int size) throws IOException {
    return codecs
        .getDecompressor(CompressionCodecName.valueOf(codec))
        .decompress(BytesInput.from(compressed), size)
        .toByteArray();
  }
}
