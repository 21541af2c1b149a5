/*
Copyright The serving-keda Authors

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

// Command third-party-licenses copies the licence files (LICENSE, COPYING,
// NOTICE, PATENTS, ...) of every module vendored in vendor/modules.txt into
// <out>/<module path>/, so that the licences of everything the binaries are
// built from ship with the source. The output directory is rebuilt from
// scratch, and the result depends only on vendor/modules.txt and the module
// files, so runs are reproducible.
//
// A module's files are read from the root of the module in the module cache
// (GOMODCACHE, or the target directory of a local replace), and from
// vendor/<module path> when the module cache does not hold the module.
//
// Usage (from the repository root, after go mod vendor):
//
//	go run ./hack/third-party-licenses [-vendor vendor] [-out third_party/VENDOR-LICENSE]
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"unicode"
)

// licencePrefixes are the (upper-cased) name prefixes of licence files.
var licencePrefixes = []string{"LICENSE", "LICENCE", "COPYING", "COPYRIGHT", "NOTICE", "PATENTS", "UNLICENSE"}

type module struct {
	path    string // import path, as vendored
	srcPath string // path of the module actually used (replacement)
	version string // version of the module actually used; empty for a local replace
	local   string // directory of a local (filesystem) replacement
}

func main() {
	vendorDir := flag.String("vendor", "vendor", "the vendor directory written by go mod vendor")
	outDir := flag.String("out", filepath.Join("third_party", "VENDOR-LICENSE"), "directory to (re)create with one folder per module")
	flag.Parse()

	if err := run(*vendorDir, *outDir); err != nil {
		fmt.Fprintln(os.Stderr, "third-party-licenses:", err)
		os.Exit(1)
	}
}

func run(vendorDir, outDir string) error {
	mods, err := readModules(filepath.Join(vendorDir, "modules.txt"))
	if err != nil {
		return err
	}
	modCache := goEnv("GOMODCACHE")

	if err := os.RemoveAll(outDir); err != nil {
		return err
	}
	var missing []string
	for _, m := range mods {
		src := moduleDir(m, modCache)
		if src == "" {
			src = filepath.Join(vendorDir, filepath.FromSlash(m.path))
		}
		files, err := licenceFiles(src)
		if err != nil {
			return fmt.Errorf("%s: %w", m.path, err)
		}
		if len(files) == 0 {
			missing = append(missing, m.path)
			continue
		}
		dst := filepath.Join(outDir, filepath.FromSlash(m.path))
		if err := os.MkdirAll(dst, 0o755); err != nil {
			return err
		}
		for _, f := range files {
			data, err := os.ReadFile(filepath.Join(src, f))
			if err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(dst, f), data, 0o644); err != nil {
				return err
			}
		}
	}
	fmt.Printf("wrote licences of %d modules to %s\n", len(mods)-len(missing), outDir)
	if len(missing) > 0 {
		return fmt.Errorf("no licence file found for %d module(s): %s", len(missing), strings.Join(missing, ", "))
	}
	return nil
}

// readModules lists the modules of modules.txt that have at least one
// vendored package, sorted by path.
func readModules(name string) ([]module, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()

	var mods []module
	var cur *module
	hasPkg := false
	flush := func() {
		if cur != nil && hasPkg {
			mods = append(mods, *cur)
		}
		cur, hasPkg = nil, false
	}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "# "):
			flush()
			// "# path version", "# path version => path version", "# path => ../dir"
			fields := strings.Fields(strings.TrimPrefix(line, "# "))
			m := module{path: fields[0], srcPath: fields[0]}
			if len(fields) > 1 && fields[1] != "=>" {
				m.version = fields[1]
			}
			if i := indexOf(fields, "=>"); i >= 0 && i+1 < len(fields) {
				if i+2 < len(fields) {
					m.srcPath, m.version = fields[i+1], fields[i+2]
				} else {
					m.srcPath, m.version, m.local = "", "", fields[i+1]
				}
			}
			cur = &m
		case strings.HasPrefix(line, "#"), strings.TrimSpace(line) == "":
			// "## explicit; go 1.x" and other annotations.
		default:
			hasPkg = true
		}
	}
	flush()
	if err := sc.Err(); err != nil {
		return nil, err
	}
	sort.Slice(mods, func(i, j int) bool { return mods[i].path < mods[j].path })
	return mods, nil
}

// moduleDir returns the root directory of m's source outside vendor/, or ""
// when it is not available.
func moduleDir(m module, modCache string) string {
	dir := m.local
	if dir == "" {
		if modCache == "" || m.version == "" {
			return ""
		}
		dir = filepath.Join(modCache, filepath.FromSlash(escape(m.srcPath))+"@"+escape(m.version))
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return ""
	}
	return dir
}

// licenceFiles lists the licence files directly in dir, sorted.
func licenceFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		name := e.Name()
		if strings.HasSuffix(name, ".go") {
			continue
		}
		upper := strings.ToUpper(name)
		for _, p := range licencePrefixes {
			if strings.HasPrefix(upper, p) {
				out = append(out, name)
				break
			}
		}
	}
	sort.Strings(out)
	return out, nil
}

// escape applies the module cache's case encoding: each upper-case letter
// becomes '!' followed by its lower-case form.
func escape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsUpper(r) {
			b.WriteByte('!')
			b.WriteRune(unicode.ToLower(r))
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func indexOf(fields []string, s string) int {
	for i, f := range fields {
		if f == s {
			return i
		}
	}
	return -1
}

func goEnv(key string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	out, err := exec.Command("go", "env", key).Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}
