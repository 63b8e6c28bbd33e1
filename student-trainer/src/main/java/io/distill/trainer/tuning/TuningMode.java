package io.distill.trainer.tuning;

/**
 * How the trainer chooses temperature and alpha: from the progressive schedule ({@link #OFF}), by an
 * epsilon-greedy bandit over a grid of candidates ({@link #BANDIT}), or by walking the grid in order whenever the
 * hold-out objective stops improving ({@link #PLATEAU}).
 */
public enum TuningMode { OFF, BANDIT, PLATEAU }
