package io.distill.cli.demo;

import io.distill.core.dataset.FashionMnist;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Makes sure Fashion-MNIST is on this machine before the demo starts: installs the Debian package when it is missing
 * and apt can be used (as root), otherwise says exactly how to obtain it.
 */
public final class DatasetCheck {

    private DatasetCheck() {
    }

    public static void ensure() throws IOException, InterruptedException {
        if (FashionMnist.available()) {
            return;
        }
        boolean root = "root".equals(System.getProperty("user.name"));
        if (root && Files.isExecutable(Path.of("/usr/bin/apt-get"))) {
            System.out.println("Fashion-MNIST is missing: installing the Debian package dataset-fashion-mnist ...");
            int update = new ProcessBuilder("apt-get", "update", "-q").inheritIO().start().waitFor();
            int install = new ProcessBuilder("apt-get", "install", "-y", "-q", "dataset-fashion-mnist").inheritIO().start().waitFor();
            if (update == 0 && install == 0 && FashionMnist.available()) {
                return;
            }
        }
        // Throws with the explanation of how to obtain the files.
        FashionMnist.locate();
    }
}
