package main

import (
	"fmt"
	"os"
	"strconv"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/contam-dev/contam/shard"
)

// distFlags are build's flags for distributed builds and appends.
type distFlags struct {
	task, tasks int
	finalize    bool
	appendTo    string
}

func (d *distFlags) register(f *pflag.FlagSet) {
	f.IntVar(&d.task, "task", -1, "build only this task's shards (0-based; default $SLURM_ARRAY_TASK_ID or $JOB_COMPLETION_INDEX)")
	f.IntVar(&d.tasks, "tasks", 0, "number of tasks sharing the build (default $SLURM_ARRAY_TASK_COUNT; give it when rerunning part of an array); then run --finalize")
	f.BoolVar(&d.finalize, "finalize", false, "check the shards of a distributed build at --out and write its manifest")
	f.StringVar(&d.appendTo, "append", "", "add the corpus files as new shards of the finished index `DIR`")
}

// resolve resolves --task/--tasks from flags or the scheduler's environment.
// tasks 0 means a plain single-process build.
func (d *distFlags) resolve(cmd *cobra.Command) (task, tasks int, err error) {
	task, tasks = d.task, d.tasks
	env := func(name string) (int, bool, error) {
		v := os.Getenv(name)
		if v == "" {
			return 0, false, nil
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			return 0, false, usagef("build: $%s=%q is not a number", name, v)
		}
		return n, true, nil
	}
	if !cmd.Flags().Changed("tasks") {
		if n, ok, err := env("SLURM_ARRAY_TASK_COUNT"); err != nil {
			return 0, 0, err
		} else if ok {
			tasks = n
		}
	}
	if tasks == 0 {
		if cmd.Flags().Changed("task") {
			return 0, 0, usagef("build: --task needs --tasks")
		}
		return 0, 0, nil
	}
	if !cmd.Flags().Changed("task") {
		// The array index is the task itself (arrays are 0-based,
		// --array=0-(N-1)): a rerun of one failed task (--array=2) keeps
		// its number, where an offset from SLURM_ARRAY_TASK_MIN would not.
		if id, ok, err := env("SLURM_ARRAY_TASK_ID"); err != nil {
			return 0, 0, err
		} else if ok {
			task = id
		} else if id, ok, err := env("JOB_COMPLETION_INDEX"); err != nil {
			return 0, 0, err
		} else if ok {
			task = id
		}
	}
	if task < 0 || task >= tasks {
		return 0, 0, usagef("build: task %d of %d: need 0 ≤ --task < --tasks (or SLURM_ARRAY_TASK_ID / JOB_COMPLETION_INDEX in the environment)", task, tasks)
	}
	return task, tasks, nil
}

// clearUnset zeroes the params flags the user did not set, so that an
// append takes them from the index instead of from the flag defaults.
func clearUnset(cmd *cobra.Command, opt *shard.Options, seedStr string) {
	f := cmd.Flags()
	if !f.Changed("normalizer") {
		opt.Normalizer = ""
	}
	if !f.Changed("n") {
		opt.N = 0
	}
	if !f.Changed("anchors") {
		opt.Anchors = ""
	}
	if seedStr == "" {
		opt.Seed = 0
	}
	if !f.Changed("bloom-fpr") {
		opt.BloomFPR = 0
	}
}

func runFinalize(out string, quiet bool) error {
	m, err := shard.Finalize(out)
	if err != nil {
		return err
	}
	if !quiet {
		fmt.Fprintf(os.Stderr, "finalized %s: %d shards, %d docs, %.1f MB text, %d tokens\n",
			out, len(m.Shards), m.Counts.Docs, float64(m.Counts.TextBytes)/1e6, m.Counts.Tokens)
	}
	return nil
}
