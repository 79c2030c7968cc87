"""Runs: what a page trains. Plain Python (no Streamlit), so tests drive them directly.

A :class:`Run` is a configuration with its dataset and trainer, plus the problem that stopped the last
rebuild and the message of the last upload. A :class:`RunGroup` is N runs stepped in lockstep, reset
together, with live changes applied to each and one memory budget split between them; a run that
diverges stops alone while the others go on.
"""

from __future__ import annotations

import time

from weightviz import experiment, sharing
from weightviz.sharing import Change

NO_TABLE = "upload a CSV file and choose columns that make a dataset first"  # a CSV config without its table
DOWNLOAD_HOLD_SECONDS = 1.5  # how long Play pauses for the browser to fetch a file built for download


class Run:
    """``config`` built into ``dataset`` and ``trainer``; :meth:`update` moves it to another configuration."""

    def __init__(self, config=None, memory_budget_mb=experiment.MEMORY_BUDGET_MB, dataset=None, start=None):
        """``dataset`` replaces the one ``config`` names (an uploaded table, a transfer target); ``start`` (a
        ``transfer.Start``) is where every model of this run starts, rebuilds included."""
        self.memory_budget_mb = float(memory_budget_mb)
        self.config = config if config is not None else experiment.Config()
        self.start = start
        if self.config.dataset == experiment.CSV and dataset is None:
            raise ValueError(NO_TABLE)
        self.dataset, self.trainer = experiment.build(self.config, dataset, self.memory_budget_mb, start)
        self._start_log()
        self.problem = None  # why the configuration last asked for could not be built
        self.message = None  # what the last action on this run (a weights upload) reported
        self.hold_until = 0.0  # time.monotonic() until which Play draws no frame (a download is on its way)

    def hold_frames(self, seconds=DOWNLOAD_HOLD_SECONDS):
        """Ask Play to draw no frame for ``seconds`` (see ``ui.actions.wait_while_held``)."""
        self.hold_until = max(self.hold_until, time.monotonic() + seconds)

    def update(self, config, dataset=None):
        """Go to ``config``; returns True when that built a new model.

        Live fields (learning rate, penalties) apply to the running trainer; any other change builds a
        new model from ``dataset`` (an uploaded table) or the one the config names. A configuration that
        cannot be built keeps the current model, says why in ``problem``, and still takes the live
        fields, so the controls say what the kept model trains with.
        """
        if not config.rebuild_needed(self.config):
            self.problem = None
            self._apply_live(config)
            return False
        try:
            if config.dataset == experiment.CSV and (dataset is None or not config.csv_id):
                raise ValueError(NO_TABLE)
            built = experiment.build(config, dataset, self.memory_budget_mb, self.start)
        except ValueError as e:
            self.problem = f"That configuration cannot be trained: {e}. The current model is kept."
            self._apply_live(config)
            return False
        self.config = config
        self.dataset, self.trainer = built
        self._start_log()
        self.problem = self.message = None  # what went wrong before no longer applies
        return True

    def _apply_live(self, config):
        live = {field: getattr(config, field) for field in experiment.LIVE_FIELDS}
        running = self.config.replace(**live)
        if running != self.config:
            self._log_live(live)
            experiment.apply_live(self.trainer, running)
            self.config = running

    # -- what a link needs to replay this run ------------------------------------------------------------
    def _start_log(self):
        """Step 0 (a new model, a reset): the live values the run starts from, and no change yet."""
        self.start_live = {field: getattr(self.config, field) for field in experiment.LIVE_FIELDS}
        self.changes = []  # sharing.Change after each step at which a live field changed
        self.too_many_changes = False

    def _log_live(self, live):
        step = self.trainer.step_count
        for field, value in live.items():
            if value == getattr(self.config, field):
                continue
            if step == 0:
                self.start_live[field] = value
            elif self.changes and self.changes[-1].step == step and self.changes[-1].field == field:
                self.changes[-1] = Change(step, field, float(value))  # moved again before a step: the last counts
            elif len(self.changes) < sharing.MAX_CHANGES:
                self.changes.append(Change(step, field, float(value)))
            else:
                self.too_many_changes = True

    def unreplayable(self):
        """None when a link can replay this run to its step (the configuration, the steps and the live
        changes made between them give its weights bit for bit); otherwise why not, in a few words."""
        if self.config.dataset == experiment.CSV:
            return "its data is an uploaded table, which a link does not carry"
        if self.trainer.unreplayable:
            return self.trainer.unreplayable
        if self.too_many_changes:
            return f"it made more than {sharing.MAX_CHANGES} live changes"
        return None

    def live_changes(self):
        """What a link carries of this run's live changes (:func:`sharing.with_start`)."""
        return sharing.with_start(self.start_live, self.changes)

    def replay(self, step, changes, progress=None, chunk=500):
        """From step 0, train to ``step``, making each of ``changes`` (sharing.Change, in step order) when the
        run reaches its step; ``progress(done, step)`` after each chunk. Returns the step reached (less than
        ``step`` only when the run diverged on the way)."""
        self.reset()
        pending = list(changes)
        while True:
            while pending and pending[0].step <= self.trainer.step_count:
                change = pending.pop(0)
                self.update(self.config.replace(**{change.field: change.value}))
            target = min([step, *[c.step for c in pending]])
            if self.trainer.step_count >= step and not pending:
                return self.trainer.step_count
            if self.trainer.diverged is not None:
                return self.trainer.step_count
            self.train(min(chunk, target - self.trainer.step_count))
            if progress is not None:
                progress(self.trainer.step_count, step)

    def train(self, n_steps):
        """Up to ``n_steps`` steps (the trainer stops by itself at a divergence); the last step's result."""
        return self.trainer.run(n_steps)

    def reset(self):
        """Back to the exact initial weights, step 0, empty history."""
        self.trainer.reset()
        self._start_log()
        self.message = None


class RunGroup:
    """Runs trained side by side: the same number of steps each, reset together, one budget split."""

    def __init__(self, configs, memory_budget_mb=experiment.MEMORY_BUDGET_MB, datasets=None, starts=None):
        """``datasets[i]`` (an uploaded table) replaces the dataset ``configs[i]`` names and ``starts[i]`` is
        where run i starts (see :class:`Run`); ValueError when a configuration cannot be built."""
        if not configs:
            raise ValueError("a run group needs at least one configuration")
        self.memory_budget_mb = float(memory_budget_mb)
        datasets = datasets or [None] * len(configs)
        starts = starts or [None] * len(configs)
        share = self.memory_budget_mb / len(configs)
        self.runs = [Run(*args) for args in zip(configs, [share] * len(configs), datasets, starts, strict=True)]

    def __len__(self):
        return len(self.runs)

    def __iter__(self):
        return iter(self.runs)

    def update(self, configs, datasets=None):
        """Move run i to ``configs[i]`` (see :meth:`Run.update`); returns which runs were rebuilt."""
        if len(configs) != len(self.runs):
            raise ValueError(f"this group has {len(self.runs)} runs, got {len(configs)} configurations")
        datasets = datasets or [None] * len(configs)
        return [run.update(c, d) for run, c, d in zip(self.runs, configs, datasets, strict=True)]

    def train(self, n_steps):
        """``n_steps`` steps on every run that has not diverged (a diverged run waits; the others go on)."""
        return [None if run.trainer.diverged is not None else run.train(n_steps) for run in self.runs]

    def reset(self):
        for run in self.runs:
            run.reset()

    def apply_live(self, **fields):
        """The same live change (``lr=…``, ``l1=…``, ``l2=…``) on every run."""
        unknown = set(fields) - set(experiment.LIVE_FIELDS)
        if unknown:
            raise ValueError(f"{', '.join(sorted(unknown))} cannot change on a running model")
        for run in self.runs:
            run.update(run.config.replace(**fields))

    def unreplayable(self):
        """None when a link can replay every run to its step; otherwise why not (run A, B, … named)."""
        for letter, run in zip(sharing.RUN_LETTERS, self.runs, strict=False):
            if why := run.unreplayable():
                return f"run {letter}: {why}"
        return None

    def live_changes(self):
        """What a link carries of the runs' live changes (:func:`sharing.merge_runs`)."""
        return sharing.merge_runs([run.live_changes() for run in self.runs])

    def replay(self, step, changes, progress=None):
        """Every run from step 0 to ``step`` with its changes (:meth:`Run.replay`); ``progress(done, total)``
        counts the steps of all runs."""
        total, reached = step * len(self.runs), []
        for i, run in enumerate(self.runs):
            done = i * step
            report = None if progress is None else (lambda k, _n, done=done: progress(done + k, total))
            reached.append(run.replay(step, sharing.for_run(changes, i), report))
        return reached

    @property
    def step_counts(self):
        return [run.trainer.step_count for run in self.runs]
