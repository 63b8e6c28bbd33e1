package io.distill.core.topics;

import java.util.List;

/** Existing topics differ from the catalogue in a way Distill cannot work with. */
public class TopicMismatchException extends IllegalStateException {
  private final List<String> problems;

  public TopicMismatchException(List<String> problems) {
    super("existing topics do not match the topic catalogue: " + String.join("; ", problems));
    this.problems = List.copyOf(problems);
  }

  public List<String> problems() {
    return problems;
  }
}
