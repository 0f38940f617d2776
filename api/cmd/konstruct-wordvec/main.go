// Command konstruct-wordvec trains the word vectors of the semantic offline
// embedder (memory.Semantic) and writes api/memory/wordvectors.bin
// (`go tool task gen:wordvectors`). The file is generated and committed;
// nothing else retrains.
//
// Training, deterministic (the same packages give the same file):
//
//  1. passages from public documentation installed by Debian packages
//     (corpus.go; never the PostgreSQL manual, the knowledge benchmark's
//     evaluation set), turned into terms with memory.Terms so the vectors'
//     words are the keyword index's words;
//  2. the most frequent terms (with a letter) as vocabulary; co-occurrence
//     counts within a window, weighted 1/distance;
//  3. positive pointwise mutual information with context-distribution
//     smoothing (α = 0.75; Levy, Goldberg & Dagan 2015);
//  4. a randomized truncated SVD of that matrix (Halko et al. 2011); a
//     word's vector is U·√Σ, normalised;
//  5. the common component of SIF-weighted passage vectors (Arora et al.
//     2017), which the embedder removes;
//  6. int8 quantisation, one scale per word.
package main

import (
	"cmp"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/konstruct/konstruct/api/memory"
)

func main() {
	out := flag.String("out", "api/memory/wordvectors.bin", "where to write the vectors")
	vocab := flag.Int("vocab", 30000, "vocabulary size (most frequent terms)")
	minCount := flag.Int("min-count", 5, "least occurrences for a term to get a vector")
	dims := flag.Int("dims", memory.DefaultSemanticOpts.WordDims, "vector dimensions")
	window := flag.Int("window", 5, "co-occurrence window (terms either side)")
	power := flag.Int("power-iterations", 4, "randomized SVD power iterations")
	report := flag.String("report", "", "also write a JSON report (sources, sizes, timings) here")
	neighbours := flag.String("neighbours", "", "instead of training: print the nearest words of these (comma-separated) in the -out file")
	flag.Parse()
	if *neighbours != "" {
		if err := printNeighbours(os.Stdout, *out, strings.Split(*neighbours, ",")); err != nil {
			fmt.Fprintln(os.Stderr, "konstruct-wordvec:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(*out, *report, opts{vocab: *vocab, minCount: *minCount, dims: *dims, window: *window, power: *power}); err != nil {
		fmt.Fprintln(os.Stderr, "konstruct-wordvec:", err)
		os.Exit(1)
	}
}

type opts struct{ vocab, minCount, dims, window, power int }

// Report describes a training run.
type Report struct {
	Sources    []*source          `json:"sources"`
	Passages   int                `json:"passages"`
	Tokens     int64              `json:"tokens"`
	Vocabulary int                `json:"vocabulary"`
	Dims       int                `json:"dims"`
	NonZero    int                `json:"ppmi_nonzero"`
	FileBytes  int                `json:"file_bytes"`
	Seconds    map[string]float64 `json:"seconds"`
	CPUs       int                `json:"cpus"`
}

func runtimeVersion() string { return runtime.Version() }

func run(out, reportPath string, o opts) error {
	rep := &Report{Seconds: map[string]float64{}, CPUs: runtime.NumCPU(), Dims: o.dims}
	t0 := time.Now()
	lap := func(name string) {
		rep.Seconds[name] = time.Since(t0).Seconds()
		fmt.Fprintf(os.Stderr, "%-12s %6.1f s\n", name, rep.Seconds[name])
	}
	srcs, err := sources()
	if err != nil {
		return err
	}
	rep.Sources = srcs
	var passages [][]string
	for _, s := range srcs {
		for _, f := range s.files {
			ps, err := s.read(f)
			if err != nil {
				return fmt.Errorf("%s: %w", f, err)
			}
			for _, p := range ps {
				if ts := memory.Terms(p); len(ts) > 1 {
					passages = append(passages, ts)
				}
			}
		}
		fmt.Fprintf(os.Stderr, "%s %s: %d files, %d bytes\n", s.Package, s.Version, s.Files, s.Bytes)
	}
	rep.Passages = len(passages)
	lap("read")
	m := train(passages, o, rep)
	lap("train")
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	if err := m.Write(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	st, _ := os.Stat(out)
	rep.FileBytes = int(st.Size())
	lap("total")
	fmt.Fprintf(os.Stderr, "%d passages, %d tokens, %d words × %d dims, %d PPMI entries, %s: %d bytes\n",
		rep.Passages, rep.Tokens, rep.Vocabulary, rep.Dims, rep.NonZero, out, rep.FileBytes)
	if reportPath != "" {
		b, _ := json.MarshalIndent(rep, "", "  ")
		return os.WriteFile(reportPath, append(b, '\n'), 0o644)
	}
	return nil
}

// printNeighbours shows each word's ten nearest words by cosine: a quick
// look at what the vectors learned.
func printNeighbours(w io.Writer, path string, words []string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	wv, err := memory.ReadWordVectors(b)
	if err != nil {
		return err
	}
	all := make([]float32, len(wv.Words)*wv.Dims)
	for i := range wv.Words {
		wv.Vector(i, all[i*wv.Dims:(i+1)*wv.Dims])
	}
	for _, word := range words {
		t := memory.Terms(word)
		if len(t) != 1 || wv.Index(t[0]) < 0 {
			fmt.Fprintf(w, "%s: no vector\n", word)
			continue
		}
		row := wv.Index(t[0])
		q := all[row*wv.Dims : (row+1)*wv.Dims]
		type near struct {
			word string
			cos  float64
		}
		var best []near
		for i := range wv.Words {
			if i == row {
				continue
			}
			best = append(best, near{wv.Words[i], cosine(q, all[i*wv.Dims:(i+1)*wv.Dims])})
		}
		slices.SortFunc(best, func(a, b near) int { return cmp.Compare(b.cos, a.cos) })
		fmt.Fprintf(w, "%s:", t[0])
		for _, n := range best[:min(10, len(best))] {
			fmt.Fprintf(w, " %s %.2f", n.word, n.cos)
		}
		fmt.Fprintln(w)
	}
	return nil
}

func cosine(a, b []float32) float64 {
	var ab, aa, bb float64
	for i := range a {
		ab += float64(a[i]) * float64(b[i])
		aa += float64(a[i]) * float64(a[i])
		bb += float64(b[i]) * float64(b[i])
	}
	if aa == 0 || bb == 0 {
		return 0
	}
	return ab / math.Sqrt(aa*bb)
}
