/*
Copyright 2026 The serving-keda Authors

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

// Package figure draws the report's figure of one N with gonum's plot:
// objects ready over time and the two latency CDFs, side by side, above a
// legend of the contenders' colours and the first panel's line styles.
package figure

import (
	"cmp"
	"fmt"
	"image/color"
	"math"
	"os"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/serving-keda/serving-keda/test/cmd/bench/internal/result"
)

// The figure is 1860 × 700 pixels at 96 dpi; px converts pixels to the
// points gonum's vg measures in.
const (
	widthPx, heightPx = 1860, 700
	legendPx          = 140 // the band at the bottom with the legend
	dpi               = 96
)

func px(n float64) vg.Length { return vg.Length(n * vg.Inch.Points() / dpi) }

var (
	black     = color.RGBA{0, 0, 0, 255}
	gridColor = color.RGBA{225, 225, 225, 255}
	palette   = []color.RGBA{
		{31, 119, 180, 255},  // blue: autoscaler-keda, KEDA tuned
		{148, 103, 189, 255}, // purple: autoscaler-keda, KEDA default
		{214, 39, 40, 255},   // red: autoscaler-hpa
		{90, 90, 90, 255},    // grey: bare
		{44, 160, 44, 255},   // green: anything else
		{255, 127, 14, 255},  // orange: autoscaler-keda, KEDA played
		{140, 86, 75, 255},   // brown: bare with the real KEDA operator
	}
)

// colorOf gives each contender the same colour in every plot.
func colorOf(r *result.Result) color.RGBA {
	switch {
	case r.Contender == result.KEDA && r.KEDAProfile == result.Played:
		return palette[5]
	case r.Contender == result.KEDA && r.KEDAProfile == "tuned":
		return palette[0]
	case r.Contender == result.KEDA:
		return palette[1]
	case r.Contender == result.HPA:
		return palette[2]
	case r.Contender == result.Bare && r.KEDAProfile != result.Played:
		return palette[6]
	case r.Contender == result.Bare:
		return palette[3]
	}
	return palette[4]
}

// The first panel's line styles: ScaledObjects (HPAs for autoscaler-hpa)
// solid, KEDA's HPAs dotted, PA status dashed.
var (
	solid  []vg.Length
	dotted = []vg.Length{px(3), px(5)}
	dashed = []vg.Length{px(10), px(6)}
)

// sans is the figure's typeface (gonum's default is a serif).
var sans = font.Font{Typeface: "Liberation", Variant: "Sans"}

func style(c color.Color, dashes []vg.Length, widthPx float64) draw.LineStyle {
	return draw.LineStyle{Color: c, Width: px(widthPx), Dashes: dashes}
}

// Convergence draws the figure of results (one N) into the PNG file path.
func Convergence(path string, results []*result.Result) error {
	panels, err := panels(results)
	if err != nil {
		return err
	}
	img := vgimg.NewWith(vgimg.UseWH(px(widthPx), px(heightPx)), vgimg.UseDPI(dpi), vgimg.UseBackgroundColor(color.White))
	dc := draw.New(img)
	top := draw.Crop(dc, px(30), -px(40), px(legendPx), -px(24))
	tiles := draw.Tiles{Rows: 1, Cols: len(panels), PadX: px(50)}
	for i, c := range plot.Align([][]*plot.Plot{panels}, tiles, top)[0] {
		panels[i].Draw(c)
	}
	drawLegend(draw.Crop(dc, px(130), -px(20), px(10), -px(heightPx-legendPx+40)), results)
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// panels are the three charts: objects ready over time, the CDF of PA ->
// object latency, and the CDF of HPA status -> PA status latency.
func panels(results []*result.Result) ([]*plot.Plot, error) {
	n := 0
	var allTimes, objLat, updLat []float64
	for _, r := range results {
		n = max(n, r.N)
		allTimes = append(append(append(allTimes, r.ObjectTimes.Q...), r.HPATimes.Q...), r.StatusTimes.Q...)
		for _, v := range r.ObjectLatencies.Q {
			objLat = append(objLat, v/1000)
		}
		updLat = append(updLat, r.UpdateLatencies.Q...)
	}
	ready := newPanel(fmt.Sprintf("Objects ready, N=%d", n), "seconds since PA creation began", "objects", decades(allTimes, 0.1), float64(n), false)
	objects := newPanel("PA -> ScaledObject (HPA) latency", "seconds", "PAs", decades(objLat, 0.01), 100, true)
	updates := newPanel("HPA status -> PA status latency", "milliseconds", "samples", decades(updLat, 1), 100, true)
	for _, r := range results {
		c := colorOf(r)
		ready.add(countSeries(r.ObjectTimes), style(c, solid, 2))
		if r.Contender != result.HPA && r.HPATimes.Count > 0 {
			ready.add(countSeries(r.HPATimes), style(c, dotted, 2))
		}
		if r.StatusTimes.Count > 0 {
			ready.add(countSeries(r.StatusTimes), style(c, dashed, 2))
		}
		objects.add(cdfSeries(r.ObjectLatencies, 1.0/1000), style(c, solid, 2))
		if r.UpdateLatencies.Count > 0 {
			updates.add(cdfSeries(r.UpdateLatencies, 1), style(c, solid, 2))
		}
	}
	var out []*plot.Plot
	for _, p := range []*panel{ready, objects, updates} {
		if p.err != nil {
			return nil, fmt.Errorf("%s: %w", p.Title.Text, p.err)
		}
		p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = p.xmin, p.xmax, 0, p.ymax
		out = append(out, p.Plot)
	}
	return out, nil
}

// panel is one chart: a logarithmic x axis from xmin to xmax, every decade
// labelled, and a y axis from 0 to ymax in quarters (in percent if asked).
type panel struct {
	*plot.Plot
	xmin, xmax, ymax float64
	err              error // the first line that could not be made
}

func newPanel(title, xlabel, ylabel string, xrange [2]float64, ymax float64, percent bool) *panel {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text, p.Y.Label.Text = xlabel, ylabel
	p.X.Scale, p.X.Tick.Marker = plot.LogScale{}, plot.TickerFunc(decadeTicks)
	p.Y.Tick.Marker = quarters(percent)
	p.X.Padding, p.Y.Padding = 0, 0
	p.Title.TextStyle.Font = font.From(sans, 14)
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = font.From(sans, 13)
		a.Tick.Label.Font = font.From(sans, 12)
	}
	grid := plotter.NewGrid()
	grid.Vertical.Color, grid.Horizontal.Color = gridColor, gridColor
	p.Add(grid)
	return &panel{Plot: p, xmin: xrange[0], xmax: xrange[1], ymax: ymax}
}

// add draws a line through xys, its x clamped into the axis's range: the
// logarithmic axis takes no zero, and the old plots clamped the same way.
func (p *panel) add(xys plotter.XYs, s draw.LineStyle) {
	for i := range xys {
		xys[i].X = math.Max(p.xmin, math.Min(p.xmax, xys[i].X))
	}
	l, err := plotter.NewLine(xys)
	if err != nil {
		p.err = cmp.Or(p.err, err)
		return
	}
	l.LineStyle = s
	p.Add(l)
}

// decadeTicks labels every power of ten from lo to hi (powers of ten
// themselves), with minor ticks at 2 to 9 times each. (gonum's LogTicks
// drops the 0.1 label: log10(0.1) is a hair above -1.)
func decadeTicks(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	last := math.Round(math.Log10(hi))
	for d := math.Round(math.Log10(lo)); d <= last; d++ {
		base := math.Pow(10, d)
		ticks = append(ticks, plot.Tick{Value: base, Label: strconv.FormatFloat(base, 'f', -1, 64)})
		for m := 2; m <= 9 && d < last; m++ {
			ticks = append(ticks, plot.Tick{Value: float64(m) * base})
		}
	}
	return ticks
}

// quarters ticks an axis at 0, 1/4, ... 4/4 of its range.
func quarters(percent bool) plot.Ticker {
	return plot.TickerFunc(func(lo, hi float64) []plot.Tick {
		var ticks []plot.Tick
		for i := 0; i <= 4; i++ {
			y := lo + float64(i)*(hi-lo)/4
			label := strconv.FormatFloat(y, 'f', -1, 64)
			if percent {
				label += "%"
			}
			ticks = append(ticks, plot.Tick{Value: y, Label: label})
		}
		return ticks
	})
}

// decades returns the powers of ten around the positive values, the lower
// one at least floor.
func decades(vals []float64, floor float64) [2]float64 {
	lo, hi := math.Inf(1), 0.0
	for _, v := range vals {
		if v <= 0 {
			continue
		}
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	if hi == 0 {
		return [2]float64{floor, floor * 10}
	}
	lo = math.Max(floor, math.Pow(10, math.Floor(math.Log10(lo))))
	hi = math.Pow(10, math.Ceil(math.Log10(hi)))
	if hi <= lo {
		hi = lo * 10
	}
	return [2]float64{lo, hi}
}

// countSeries is the number of objects seen by each time: a step curve.
func countSeries(d result.Dist) plotter.XYs {
	ranks, times := d.Points()
	var xys plotter.XYs
	prev := 0.0
	for i, t := range times {
		next := float64(ranks[i] + 1)
		xys = append(xys, plotter.XY{X: t, Y: prev}, plotter.XY{X: t, Y: next})
		prev = next
	}
	return xys
}

// cdfSeries is the empirical CDF (percent) of a sample, values times scale.
func cdfSeries(d result.Dist, scale float64) plotter.XYs {
	ranks, values := d.Points()
	var xys plotter.XYs
	n := float64(d.Count)
	prev := 0.0
	for i, v := range values {
		next := 100 * float64(ranks[i]+1) / n
		xys = append(xys, plotter.XY{X: v * scale, Y: prev}, plotter.XY{X: v * scale, Y: next})
		prev = next
	}
	return xys
}

// entry is one legend entry: a line sample and its label.
type entry struct {
	label string
	style draw.LineStyle
}

// drawLegend draws in c the contenders by colour, then the line styles of
// the first panel, each group in a row of its own.
func drawLegend(c draw.Canvas, results []*result.Result) {
	var contenders []entry
	for _, r := range results {
		contenders = append(contenders, entry{r.Label, style(colorOf(r), solid, 4)})
	}
	styles := []entry{
		{"ScaledObject (HPA for autoscaler-hpa) created", style(black, solid, 2)},
		{"KEDA's HPA created (the player's where played)", style(black, dotted, 2)},
		{"PA carries HPA status", style(black, dashed, 2)},
	}
	below := legendRow(c, 0, contenders)
	legendRow(c, below+px(20), styles)
}

// legendRow draws entries left to right, starting at depth below the top of
// c, each as a one-entry gonum legend; an entry that does not fit starts a
// new row. It returns the depth below the last row.
func legendRow(c draw.Canvas, depth vg.Length, entries []entry) vg.Length {
	var x, rowHeight vg.Length
	for _, e := range entries {
		l := plot.NewLegend()
		l.Top, l.Left = true, true
		l.TextStyle.Font = font.From(sans, 13)
		l.ThumbnailWidth = px(40)
		l.Add(e.label, &plotter.Line{LineStyle: e.style})
		r := l.Rectangle(c)
		w, h := r.Max.X-r.Min.X, r.Max.Y-r.Min.Y
		if x > 0 && x+w > c.Max.X-c.Min.X {
			x, depth, rowHeight = 0, depth+rowHeight+px(10), 0
		}
		l.XOffs, l.YOffs = x, -depth
		l.Draw(c)
		x += w + px(50)
		rowHeight = max(rowHeight, h)
	}
	return depth + rowHeight
}
