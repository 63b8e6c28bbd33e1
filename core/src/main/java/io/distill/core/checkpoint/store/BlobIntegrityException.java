package io.distill.core.checkpoint.store;

import java.io.IOException;

/** A chunk is missing from its store, or its bytes differ in size or SHA-256 from what the manifest says. */
public class BlobIntegrityException extends IOException {

    public BlobIntegrityException(String message) {
        super(message);
    }
}
