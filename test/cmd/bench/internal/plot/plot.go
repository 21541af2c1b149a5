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

// Package plot draws the report's figure of one N.
package plot

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"os"
	"strconv"

	"github.com/serving-keda/serving-keda/test/cmd/bench/internal/result"
)

// The plot is drawn with the standard library only (image/png and a small
// bitmap font), so it needs no plotting module and no install in CI.

var (
	white     = color.RGBA{255, 255, 255, 255}
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

type lineStyle int

const (
	solid lineStyle = iota
	dashed
	dotted
)

func (s lineStyle) on(dist int) bool {
	switch s {
	case dashed:
		return dist%16 < 10
	case dotted:
		return dist%8 < 3
	}
	return true
}

type series struct {
	xs, ys []float64
	c      color.RGBA
	style  lineStyle
}

// panel is one chart: a plotting area in pixels and its axes' ranges. The
// x axis is logarithmic (base 10) between xmin and xmax.
type panel struct {
	x0, y0, x1, y1 int
	xmin, xmax     float64
	ymin, ymax     float64
	title, xlabel  string
	ylabel         string
	yPercent       bool
}

func (p *panel) px(x, y float64) (int, int) {
	x = math.Max(p.xmin, math.Min(p.xmax, x))
	fx := (math.Log10(x) - math.Log10(p.xmin)) / (math.Log10(p.xmax) - math.Log10(p.xmin))
	fy := (y - p.ymin) / (p.ymax - p.ymin)
	return p.x0 + int(math.Round(fx*float64(p.x1-p.x0))), p.y1 - int(math.Round(fy*float64(p.y1-p.y0)))
}

func (p *panel) drawAxes(img *image.RGBA) {
	// Grid and ticks on the x axis: every decade labelled, 2-9 as minor ticks.
	for d := math.Floor(math.Log10(p.xmin)); d <= math.Ceil(math.Log10(p.xmax)); d++ {
		for m := 1; m <= 9; m++ {
			x := float64(m) * math.Pow(10, d)
			if x < p.xmin*0.999 || x > p.xmax*1.001 {
				continue
			}
			px, _ := p.px(x, p.ymin)
			if m == 1 {
				vline(img, px, p.y0, p.y1, gridColor)
				vline(img, px, p.y1, p.y1+8, black)
				label := strconv.FormatFloat(x, 'f', -1, 64)
				drawText(img, px-textWidth(label, 2)/2, p.y1+14, label, 2, black)
			} else {
				vline(img, px, p.y1, p.y1+4, black)
			}
		}
	}
	for i := 0; i <= 4; i++ {
		y := p.ymin + float64(i)*(p.ymax-p.ymin)/4
		_, py := p.px(p.xmin, y)
		hline(img, p.x0, p.x1, py, gridColor)
		hline(img, p.x0-8, p.x0, py, black)
		label := strconv.FormatFloat(y, 'f', -1, 64)
		if p.yPercent {
			label += "%"
		}
		drawText(img, p.x0-14-textWidth(label, 2), py-7, label, 2, black)
	}
	rect(img, p.x0, p.y0, p.x1, p.y1, black)
	drawText(img, (p.x0+p.x1-textWidth(p.title, 2))/2, p.y0-26, p.title, 2, black)
	drawText(img, (p.x0+p.x1-textWidth(p.xlabel, 2))/2, p.y1+40, p.xlabel, 2, black)
	drawTextVertical(img, p.x0-95, (p.y0+p.y1+textWidth(p.ylabel, 2))/2, p.ylabel, 2, black)
}

func (p *panel) drawSeries(img *image.RGBA, s series) {
	dist := 0
	for i := 1; i < len(s.xs); i++ {
		ax, ay := p.px(s.xs[i-1], s.ys[i-1])
		bx, by := p.px(s.xs[i], s.ys[i])
		dist = line(img, ax, ay, bx, by, s.c, s.style, dist, p)
	}
}

// line draws a 2-pixel-wide segment clipped to the panel and returns the
// pattern distance reached.
func line(img *image.RGBA, x0, y0, x1, y1 int, c color.RGBA, style lineStyle, dist int, p *panel) int {
	dx, dy := abs(x1-x0), -abs(y1-y0)
	sx, sy := sign(x1-x0), sign(y1-y0)
	e := dx + dy
	for {
		if style.on(dist) && x0 >= p.x0 && x0 <= p.x1 && y0 >= p.y0 && y0 <= p.y1 {
			for ox := 0; ox < 2; ox++ {
				for oy := 0; oy < 2; oy++ {
					img.SetRGBA(x0+ox, y0-oy, c)
				}
			}
		}
		if x0 == x1 && y0 == y1 {
			return dist
		}
		dist++
		e2 := 2 * e
		if e2 >= dy {
			e += dy
			x0 += sx
		}
		if e2 <= dx {
			e += dx
			y0 += sy
		}
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func sign(x int) int {
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return 0
}

func vline(img *image.RGBA, x, y0, y1 int, c color.RGBA) {
	for y := y0; y <= y1; y++ {
		img.SetRGBA(x, y, c)
	}
}

func hline(img *image.RGBA, x0, x1, y int, c color.RGBA) {
	for x := x0; x <= x1; x++ {
		img.SetRGBA(x, y, c)
	}
}

func rect(img *image.RGBA, x0, y0, x1, y1 int, c color.RGBA) {
	hline(img, x0, x1, y0, c)
	hline(img, x0, x1, y1, c)
	vline(img, x0, y0, y1, c)
	vline(img, x1, y0, y1, c)
}

// decadeBounds returns the powers of ten around the positive values.
func decadeBounds(vals []float64, floor float64) (float64, float64) {
	lo, hi := math.Inf(1), 0.0
	for _, v := range vals {
		if v <= 0 {
			continue
		}
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	if hi == 0 {
		return floor, floor * 10
	}
	lo = math.Max(floor, math.Pow(10, math.Floor(math.Log10(lo))))
	hi = math.Pow(10, math.Ceil(math.Log10(hi)))
	if hi <= lo {
		hi = lo * 10
	}
	return lo, hi
}

// countSeries is the number of objects seen by each time: a step curve.
func countSeries(d result.Dist) ([]float64, []float64) {
	ranks, times := d.Points()
	var xs, ys []float64
	prev := 0.0
	for i, t := range times {
		xs = append(xs, t, t)
		ys = append(ys, prev, float64(ranks[i]+1))
		prev = float64(ranks[i] + 1)
	}
	return xs, ys
}

// cdfSeries is the empirical CDF (percent) of a sample, values times scale.
func cdfSeries(d result.Dist, scale float64) ([]float64, []float64) {
	ranks, values := d.Points()
	var xs, ys []float64
	n := float64(d.Count)
	prev := 0.0
	for i, v := range values {
		xs = append(xs, v*scale, v*scale)
		ys = append(ys, prev, 100*float64(ranks[i]+1)/n)
		prev = 100 * float64(ranks[i]+1) / n
	}
	return xs, ys
}

// Convergence draws, for the results of one N: objects ready over time, the
// CDF of PA -> object latency, and the CDF of HPA status -> PA status latency.
func Convergence(path string, results []*result.Result) error {
	const w, h = 1860, 700
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), &image.Uniform{white}, image.Point{}, draw.Src)
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
	tmin, tmax := decadeBounds(allTimes, 0.1)
	lmin, lmax := decadeBounds(objLat, 0.01)
	umin, umax := decadeBounds(updLat, 1)
	panels := []*panel{
		{x0: 130, y0: 70, x1: 620, y1: 520, xmin: tmin, xmax: tmax, ymin: 0, ymax: float64(n),
			title: fmt.Sprintf("Objects ready, N=%d", n), xlabel: "seconds since PA creation began", ylabel: "objects"},
		{x0: 750, y0: 70, x1: 1200, y1: 520, xmin: lmin, xmax: lmax, ymin: 0, ymax: 100, yPercent: true,
			title: "PA -> ScaledObject (HPA) latency", xlabel: "seconds", ylabel: "PAs"},
		{x0: 1330, y0: 70, x1: 1800, y1: 520, xmin: umin, xmax: umax, ymin: 0, ymax: 100, yPercent: true,
			title: "HPA status -> PA status latency", xlabel: "milliseconds", ylabel: "samples"},
	}
	for _, p := range panels {
		p.drawAxes(img)
	}
	for _, r := range results {
		c := colorOf(r)
		xs, ys := countSeries(r.ObjectTimes)
		panels[0].drawSeries(img, series{xs, ys, c, solid})
		if r.Contender != result.HPA && r.HPATimes.Count > 0 {
			xs, ys = countSeries(r.HPATimes)
			panels[0].drawSeries(img, series{xs, ys, c, dotted})
		}
		if r.StatusTimes.Count > 0 {
			xs, ys = countSeries(r.StatusTimes)
			panels[0].drawSeries(img, series{xs, ys, c, dashed})
		}
		xs, ys = cdfSeries(r.ObjectLatencies, 1.0/1000)
		panels[1].drawSeries(img, series{xs, ys, c, solid})
		if r.UpdateLatencies.Count > 0 {
			xs, ys = cdfSeries(r.UpdateLatencies, 1)
			panels[2].drawSeries(img, series{xs, ys, c, solid})
		}
	}
	// Legend: contenders by colour, then the line styles of the first panel.
	x, y := 130, 610
	for _, r := range results {
		c := colorOf(r)
		label := r.Label
		if x+40+textWidth(label, 2) > w-20 {
			x, y = 130, y+30
		}
		for dx := 0; dx < 30; dx++ {
			for dy := 0; dy < 4; dy++ {
				img.SetRGBA(x+dx, y+5+dy, c)
			}
		}
		drawText(img, x+40, y, label, 2, black)
		x += 40 + textWidth(label, 2) + 50
	}
	y += 40
	x = 130
	for _, s := range []struct {
		style lineStyle
		label string
	}{
		{solid, "ScaledObject (HPA for autoscaler-hpa) created"},
		{dotted, "KEDA's HPA created (the player's where played)"},
		{dashed, "PA carries HPA status"},
	} {
		p := &panel{x0: 0, y0: 0, x1: w, y1: h, xmin: 1, xmax: 10, ymin: 0, ymax: 1}
		line(img, x, y+7, x+40, y+7, black, s.style, 0, p)
		drawText(img, x+50, y, s.label, 2, black)
		x += 50 + textWidth(s.label, 2) + 60
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
