// Package progress draws a progress bar for long command-line work
// (rotate-keys, memory backfill): redrawn in place on a terminal, a line every
// tenth of the way otherwise (CI logs).
package progress

import (
	"fmt"
	"io"
	"os"
	"strings"
)

// Bar is one progress bar.
type Bar struct {
	w        io.Writer
	label    string
	tty      bool
	lastStep int
	drawn    bool
}

// New returns a bar writing to w.
func New(w io.Writer, label string) *Bar {
	tty := false
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil {
			tty = st.Mode()&os.ModeCharDevice != 0
		}
	}
	return &Bar{w: w, label: label, tty: tty, lastStep: -1}
}

// Update shows done of total with a note.
func (b *Bar) Update(done, total int, note string) {
	if total <= 0 {
		return
	}
	pct := done * 100 / total
	if b.tty {
		const width = 30
		filled := width * done / total
		fmt.Fprintf(b.w, "\r%s [%s%s] %3d%% %d/%d %s", b.label, strings.Repeat("=", filled), strings.Repeat(" ", width-filled), pct, done, total, note)
		b.drawn = true
		return
	}
	if step := pct / 10; step != b.lastStep || done == total {
		b.lastStep = step
		fmt.Fprintf(b.w, "%s: %d%% (%d/%d) %s\n", b.label, pct, done, total, note)
	}
}

// Done ends the bar's line.
func (b *Bar) Done() {
	if b.tty && b.drawn {
		fmt.Fprintln(b.w)
	}
}
