package io.distill.core.serde;

import io.distill.core.deadletter.ReasonCode;

/** The value does not start with magic byte 0: not written in the Confluent wire format. */
public class UnknownMagicByteException extends RecordDecodeException {
  private final byte magicByte;

  public UnknownMagicByteException(String topic, byte magicByte) {
    super(ReasonCode.UNKNOWN_MAGIC_BYTE, topic, -1,
        String.format("unknown magic byte 0x%02x (expected 0x00: Confluent wire format)", magicByte & 0xff), null);
    this.magicByte = magicByte;
  }

  public byte magicByte() {
    return magicByte;
  }
}
