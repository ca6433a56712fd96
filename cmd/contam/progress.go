package main

import (
	"fmt"
	"os"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/contam-dev/contam/shard"
)

// startProgress draws a progress bar for a build on a terminal: bytes read
// of the total, documents/s, MB/s of text and ETA. It draws nothing when
// stderr is not a terminal or quiet is set. The returned func stops it.
func startProgress(p *shard.Progress, quiet bool) func(ok bool) {
	if quiet || !isatty.IsTerminal(os.Stderr.Fd()) {
		return func(bool) {}
	}
	pr := mpb.New(mpb.WithOutput(os.Stderr), mpb.WithRefreshRate(200*time.Millisecond), mpb.WithWidth(40))
	start := time.Now()
	rate := func(v float64, unit string) string {
		s := time.Since(start).Seconds()
		if s <= 0 {
			return ""
		}
		return fmt.Sprintf("%.1f %s", v/s, unit)
	}
	// The total must be known here: mpb completes a bar whose current
	// reaches its initial total.
	bar := pr.AddBar(max(p.TotalBytes.Load(), 1),
		mpb.PrependDecorators(
			decor.Any(func(decor.Statistics) string {
				ph, _ := p.Phase.Load().(string)
				return fmt.Sprintf("%-9s", ph)
			}),
			decor.CountersKibiByte("% .1f / % .1f"),
		),
		mpb.AppendDecorators(
			decor.Any(func(decor.Statistics) string {
				return fmt.Sprintf("%d docs (%s)", p.Docs.Load(), rate(float64(p.Docs.Load()), "docs/s"))
			}),
			decor.Any(func(decor.Statistics) string { return " " + rate(float64(p.TextBytes.Load())/1e6, "MB/s") }),
			decor.Name(" ETA "),
			decor.EwmaETA(decor.ET_STYLE_GO, 30),
		),
	)
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		last := time.Now()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				bar.EwmaSetCurrent(p.ReadBytes.Load(), time.Since(last))
				last = time.Now()
			}
		}
	}()
	return func(ok bool) {
		close(done)
		if ok {
			bar.SetTotal(p.ReadBytes.Load(), true)
		} else {
			bar.Abort(false)
		}
		pr.Wait()
	}
}
