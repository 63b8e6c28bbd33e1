package io.distill.cli;

import picocli.CommandLine;

/** The version printed by {@code distill --version}: the build's project version. */
public final class DistillVersion implements CommandLine.IVersionProvider {

    public static String version() {
        String v = DistillVersion.class.getPackage().getImplementationVersion();
        return v != null ? v : "development";
    }

    @Override
    public String[] getVersion() {
        return new String[]{"distill " + version(), "Java " + System.getProperty("java.version")};
    }
}
