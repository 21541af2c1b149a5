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

// Command reliability-report renders the JSON lines that test/reliability
// writes to $RELIABILITY_REPORT as docs/reliability.md (on stdout):
//
//	RELIABILITY_REPORT=/tmp/reliability.jsonl go test -tags integration -count=1 ./test/reliability/
//	go run ./test/cmd/reliability-report /tmp/reliability.jsonl > docs/reliability.md
//
// Several files may be given (a default run and a RELIABILITY_PAS=500 run,
// say). When a test appears several times with the same "how", its last
// row wins.
package main

import (
	"bufio"
	_ "embed"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/template"
	"time"

	reliabilityrow "github.com/serving-keda/serving-keda/test/reliability/row"
)

// row is what test/reliability writes per test.
type row = reliabilityrow.Row

const badInput = "invalid annotation: "

func main() {
	command := flag.String("command", "RELIABILITY_REPORT=/tmp/reliability.jsonl go test -tags integration -count=1 ./test/reliability/", "the command that produced the rows, for the header")
	flag.Parse()
	readers := []io.Reader{os.Stdin}
	if flag.NArg() > 0 {
		readers = nil
		for _, name := range flag.Args() {
			f, err := os.Open(name)
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
			defer f.Close()
			readers = append(readers, f)
		}
	}
	rows, err := read(io.MultiReader(readers...))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if len(rows) == 0 {
		fmt.Fprintln(os.Stderr, "no rows")
		os.Exit(1)
	}
	render(os.Stdout, rows, *command)
}

func read(in io.Reader) ([]row, error) {
	byTest := map[string]int{}
	var rows []row
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var r row
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			return nil, fmt.Errorf("%q: %w", line, err)
		}
		key := r.Test + "\x00" + r.How
		if i, ok := byTest[key]; ok {
			rows[i] = r
			continue
		}
		byTest[key] = len(rows)
		rows = append(rows, r)
	}
	return rows, sc.Err()
}

func render(w io.Writer, rows []row, command string) {
	var faults, bad []row
	first, last := "", ""
	for _, r := range rows {
		if first == "" || r.When < first {
			first = r.When
		}
		if r.When > last {
			last = r.When
		}
		if strings.HasPrefix(r.Fault, badInput) {
			bad = append(bad, r)
		} else {
			faults = append(faults, r)
		}
	}
	sort.SliceStable(faults, func(i, j int) bool { return faults[i].When < faults[j].When })
	day := first
	if t, err := time.Parse(time.RFC3339, first); err == nil {
		day = t.Format("2006-01-02")
	}
	var trees []string
	seenTree := map[string]bool{}
	for _, r := range rows {
		if r.Tree != "" && !seenTree[r.Tree] {
			seenTree[r.Tree] = true
			trees = append(trees, "`"+r.Tree+"`")
		}
	}
	failed, skipped, lost, dup := 0, 0, 0, 0
	for _, r := range rows {
		switch {
		case r.Skipped:
			skipped++
		case !r.Passed:
			failed++
		}
		lost += r.Lost
		dup += r.Duplicated
	}

	mustExecute(w, "header", map[string]any{
		"Day": day, "First": first, "Last": last, "Command": command, "Trees": strings.Join(trees, " and "),
		"Rows": len(rows), "Failed": failed, "Skipped": skipped, "Lost": lost, "Duplicated": dup,
	})

	// Findings: what the rows flag as a product bug, and KEDA's own
	// crashes; the same finding in several rows (numbers aside) once.
	type finding struct {
		text  string
		tests []string
	}
	var findings []*finding
	byKey := map[string]*finding{}
	digits := strings.NewReplacer("0", "", "1", "", "2", "", "3", "", "4", "", "5", "", "6", "", "7", "", "8", "", "9", "")
	for _, r := range rows {
		var texts []string
		for rest := r.Result; ; {
			i := strings.Index(rest, "PRODUCT BUG: ")
			if i < 0 {
				break
			}
			rest = rest[i+len("PRODUCT BUG: "):]
			text := rest
			if j := strings.Index(text, "; PRODUCT BUG: "); j >= 0 {
				text = text[:j]
			}
			texts = append(texts, "Product bug: "+text)
		}
		if i := strings.Index(r.Result, "KEDA v2.19.0's known panic"); i >= 0 {
			text := r.Result[i:]
			if j := strings.Index(text, ")"); j >= 0 {
				text = text[:j]
			}
			texts = append(texts, "KEDA's operator (not this controller) crashed and was restarted: "+text)
		}
		for _, text := range texts {
			key := digits.Replace(text)
			f := byKey[key]
			if f == nil {
				f = &finding{text: text}
				byKey[key] = f
				findings = append(findings, f)
			}
			if len(f.tests) == 0 || f.tests[len(f.tests)-1] != r.Test {
				f.tests = append(f.tests, r.Test)
			}
		}
	}
	if len(findings) > 0 {
		fmt.Fprintf(w, "## Findings\n\n")
		for _, f := range findings {
			fmt.Fprintf(w, "- %s (%s)\n", cell(f.text), strings.Join(f.tests, ", "))
		}
		fmt.Fprintln(w)
	}

	fmt.Fprintf(w, "## Faults, security and high availability\n\n")
	fmt.Fprintf(w, "| fault | how | result | objects | lost | duplicated | passed | test (s) |\n|---|---|---|---|---|---|---|---|\n")
	for _, r := range faults {
		fmt.Fprintf(w, "| %s | %s | %s | %d | %d | %d | %s | %s (%.0f) |\n", cell(r.Fault), cell(r.How), cell(r.Result), r.Objects, r.Lost, r.Duplicated, passed(r), r.Test, r.Seconds)
	}
	if len(bad) > 0 {
		mustExecute(w, "bad input", nil)
		fmt.Fprintf(w, "| case | annotations | result | lost | passed |\n|---|---|---|---|---|\n")
		for _, r := range bad {
			fmt.Fprintf(w, "| %s | %s | %s | %d | %s |\n", cell(strings.TrimPrefix(r.Fault, badInput)), cell(r.How), cell(r.Result), r.Lost, passed(r))
		}
	}
}

// prose holds the report's paragraphs; the tables are written in code.
//
//go:embed prose.md.tmpl
var proseText string

var prose = template.Must(template.New("prose").Parse(proseText))

func mustExecute(w io.Writer, name string, data any) {
	if err := prose.ExecuteTemplate(w, name, data); err != nil {
		panic(err) // the template is embedded: a mistake in it fails the tests
	}
}

// passed renders the passed column: a skipped test is neither.
func passed(r row) string {
	switch {
	case r.Skipped:
		return "skipped"
	case r.Passed:
		return "yes"
	}
	return "**no**"
}

// cell escapes text for a Markdown table cell.
func cell(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	return strings.NewReplacer("|", `\|`, "*", `\*`, "_", `\_`, "<", "&lt;", ">", "&gt;", "`", "'").Replace(s)
}
