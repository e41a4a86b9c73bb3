package console

import (
	"fmt"
	"html"
	"html/template"
	"strings"
	"time"

	"github.com/citebot/citebot/rag/store"
)

// bar is one bar of a chart: its label under it, its height, and the
// value written above it.
type bar struct {
	Label string
	Value float64
	Text  string
}

// Chart geometry, in SVG user units.
const (
	chartW, chartH   = 640, 220
	chartTop         = 24
	chartBottom      = 36
	chartLeft        = 8
	chartBarGapRatio = 0.25
)

// barChart draws bars scaled to top (the largest value when top is 0) as
// an inline SVG with a title and text equivalents, so that it reads
// without JavaScript and to screen readers.
func barChart(title string, bars []bar, top float64) template.HTML {
	for _, b := range bars {
		top = max(top, b.Value)
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-label="%s"><title>%s</title>`,
		chartW, chartH, html.EscapeString(title), html.EscapeString(title))
	plotH := float64(chartH - chartTop - chartBottom)
	fmt.Fprintf(&sb, `<line x1="%d" y1="%d" x2="%d" y2="%d" class="axis"/>`, chartLeft, chartH-chartBottom, chartW-chartLeft, chartH-chartBottom)
	if len(bars) == 0 {
		fmt.Fprintf(&sb, `<text x="%d" y="%d" class="empty">no data yet</text></svg>`, chartW/2, chartH/2)
		return template.HTML(sb.String())
	}
	slot := float64(chartW-2*chartLeft) / float64(len(bars))
	w := slot * (1 - chartBarGapRatio)
	for i, b := range bars {
		h := 0.0
		if top > 0 {
			h = plotH * b.Value / top
		}
		x := float64(chartLeft) + float64(i)*slot + (slot-w)/2
		y := float64(chartH-chartBottom) - h
		fmt.Fprintf(&sb, `<g><title>%s: %s</title><rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" class="bar"/>`,
			html.EscapeString(b.Label), html.EscapeString(b.Text), x, y, w, h)
		fmt.Fprintf(&sb, `<text x="%.1f" y="%.1f" class="value">%s</text>`, x+w/2, y-4, html.EscapeString(b.Text))
		fmt.Fprintf(&sb, `<text x="%.1f" y="%d" class="label">%s</text></g>`, x+w/2, chartH-chartBottom+16, html.EscapeString(b.Label))
	}
	sb.WriteString(`</svg>`)
	return template.HTML(sb.String())
}

// weekStart is the Monday 00:00 UTC that starts t's ISO week.
func weekStart(t time.Time) time.Time {
	t = t.UTC()
	d := (int(t.Weekday()) + 6) % 7
	return time.Date(t.Year(), t.Month(), t.Day()-d, 0, 0, 0, 0, time.UTC)
}

// fillPeriods returns n buckets of length step ending with the one that
// holds now, with the counts of got (keyed by start) and empty ones where
// got has none.
func fillPeriods(got []store.Bucket, first time.Time, step time.Duration, n int) []store.Bucket {
	byStart := make(map[time.Time]store.Bucket, len(got))
	for _, b := range got {
		byStart[b.Start.UTC()] = b
	}
	out := make([]store.Bucket, n)
	for i := range n {
		start := first.Add(time.Duration(i) * step)
		b, ok := byStart[start]
		if !ok {
			b = store.Bucket{Start: start}
		}
		out[i] = b
	}
	return out
}

// rateBars charts Hits/N of each bucket as a percentage; a bucket without
// events gets an empty bar marked "–".
func rateBars(bs []store.Bucket, layout string) []bar {
	out := make([]bar, len(bs))
	for i, b := range bs {
		out[i] = bar{Label: b.Start.Format(layout), Text: "–"}
		if b.N > 0 {
			r := float64(b.Hits) / float64(b.N)
			out[i].Value, out[i].Text = 100*r, fmt.Sprintf("%.0f%%", 100*r)
		}
	}
	return out
}

// countBars charts N (or Hits, when hits) of each bucket.
func countBars(bs []store.Bucket, layout string, hits bool) []bar {
	out := make([]bar, len(bs))
	for i, b := range bs {
		n := b.N
		if hits {
			n = b.Hits
		}
		out[i] = bar{Label: b.Start.Format(layout), Value: float64(n), Text: fmt.Sprint(n)}
	}
	return out
}
