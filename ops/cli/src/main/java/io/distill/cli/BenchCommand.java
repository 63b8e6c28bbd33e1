package io.distill.cli;

import io.distill.cli.bench.AugmentBenchmark;
import io.distill.cli.bench.FederatedBenchmark;
import io.distill.cli.bench.QadBenchmark;
import io.distill.cli.bench.TuningBenchmark;
import io.distill.cli.quality.QualityBenchmark;
import io.distill.cli.faults.FaultsBenchmark;
import io.distill.cli.soak.SoakBenchmark;
import io.distill.serving.bench.SwapBenchmark;
import io.distill.teacher.bench.TeacherBenchmark;
import io.distill.topology.bench.TopologyBenchmark;
import io.distill.trainer.cli.TrainerBenchmark;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code distill bench <name>}: the benchmarks. Each measures its figures side by side in one run and ends by printing
 * them as {@code name: value} lines; results are recorded in docs/BENCHMARKS.md.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks; each ends by printing its figures as 'name: value' lines.",
        subcommands = {
                TeacherBenchmark.class,
                TopologyBenchmark.class,
                TrainerBenchmark.class,
                TuningBenchmark.class,
                FederatedBenchmark.class,
                SwapBenchmark.class,
                QualityBenchmark.class,
                QadBenchmark.class,
                AugmentBenchmark.class,
                FaultsBenchmark.class,
                SoakBenchmark.class
        })
public final class BenchCommand implements Runnable {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
