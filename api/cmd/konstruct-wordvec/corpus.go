package main

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"html"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// A source is one public document set the vectors are trained on, read from
// what a Debian package (or the Go toolchain) installed. Each yields
// passages: runs of text within which words count as co-occurring.
type source struct {
	Name    string `json:"name"`
	Package string `json:"package"` // Debian package, or "go" for $GOROOT
	Version string `json:"version"`
	Files   int    `json:"files"`
	Bytes   int64  `json:"bytes"`
	files   []string
	read    func(path string) ([]string, error)
}

// sources lists the training corpora. The PostgreSQL manual is the
// knowledge benchmark's evaluation set and is excluded: no file of a
// postgresql package is read (the man pages are only those of the manpages
// and manpages-dev packages, not every page under /usr/share/man — psql's
// would be the manual's), and no file whose path names PostgreSQL. Adding
// the Debian Administrator's Handbook, Git's, SQLAlchemy's and Django's
// documentation (6.3M instead of 5.0M tokens) did not help on the
// benchmark's dev queries, so they are not read.
func sources() ([]*source, error) {
	goroot := strings.TrimSpace(runOut("go", "env", "GOROOT"))
	list := []*source{
		{Name: "Python 3.11 documentation (reStructuredText sources)", Package: "python3.11-doc", read: readPlain},
		{Name: "SQLite documentation", Package: "sqlite3-doc", read: readHTML},
		{Name: "Debian Reference", Package: "debian-reference-en", read: readHTML},
		{Name: "Linux man-pages", Package: "manpages", read: readMan},
		{Name: "Linux man-pages (development)", Package: "manpages-dev", read: readMan},
		{Name: "WordNet 3.0 (synsets with their glosses)", Package: "wordnet-base", read: readWordNet},
		{Name: "Go documentation ($GOROOT/doc)", Package: "go", Version: runtimeVersion(), read: readHTML},
	}
	for _, s := range list {
		var paths []string
		if s.Package == "go" {
			err := filepath.WalkDir(filepath.Join(goroot, "doc"), func(p string, d os.DirEntry, err error) error {
				if err == nil && !d.IsDir() && (strings.HasSuffix(p, ".html") || strings.HasSuffix(p, ".md")) {
					paths = append(paths, p)
				}
				return err
			})
			if err != nil {
				return nil, err
			}
		} else {
			out, err := exec.Command("dpkg-query", "-W", "-f=${Version}", s.Package).Output()
			if err != nil {
				return nil, fmt.Errorf("%s is not installed (apt-get install -y %s)", s.Package, s.Package)
			}
			s.Version = string(out)
			listed, err := exec.Command("dpkg", "-L", s.Package).Output()
			if err != nil {
				return nil, fmt.Errorf("dpkg -L %s: %w", s.Package, err)
			}
			for _, p := range strings.Split(string(listed), "\n") {
				if s.wants(p) {
					paths = append(paths, p)
				}
			}
		}
		slices.Sort(paths)
		for _, p := range paths {
			if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
				s.files = append(s.files, p)
				s.Files++
				s.Bytes += st.Size()
			}
		}
		if s.Files == 0 {
			return nil, fmt.Errorf("%s: no files found", s.Package)
		}
	}
	return list, nil
}

// wants picks a package's text files.
func (s *source) wants(p string) bool {
	if strings.Contains(p, "postgres") {
		return false
	}
	switch s.Package {
	case "python3.11-doc":
		return strings.Contains(p, "/_sources/") && strings.HasSuffix(p, ".txt")
	case "sqlite3-doc", "debian-reference-en":
		return strings.HasSuffix(p, ".html") && (s.Package != "debian-reference-en" || strings.HasSuffix(p, ".en.html"))
	case "manpages", "manpages-dev":
		return strings.HasPrefix(p, "/usr/share/man/man") && strings.HasSuffix(p, ".gz")
	case "wordnet-base":
		return regexp.MustCompile(`/data\.(noun|verb|adj|adv)$`).MatchString(p)
	}
	return false
}

func runOut(name string, args ...string) string {
	out, _ := exec.Command(name, args...).Output()
	return string(out)
}

// readPlain splits a text file at blank lines.
func readPlain(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return paragraphs(string(b)), nil
}

func paragraphs(s string) []string {
	var out []string
	for _, p := range regexp.MustCompile(`\n\s*\n`).Split(s, -1) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

var (
	reScript = regexp.MustCompile(`(?is)<(script|style|head)\b.*?</(script|style|head)>`)
	reBlock  = regexp.MustCompile(`(?i)</?(p|div|h[1-6]|li|ul|ol|dt|dd|dl|tr|table|pre|br|blockquote|section|title)\b[^>]*>`)
	reTag    = regexp.MustCompile(`<[^>]*>`)
)

// readHTML strips tags; block elements end passages.
func readHTML(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	s := reScript.ReplaceAllString(string(b), " ")
	s = reBlock.ReplaceAllString(s, "\n\n")
	s = reTag.ReplaceAllString(s, " ")
	return paragraphs(html.UnescapeString(s)), nil
}

var (
	reFont   = regexp.MustCompile(`\\f(\[[^]]*\]|\(..|.)`)
	reEscape = regexp.MustCompile(`\\(\(..|\[[^]]*\]|[-e&|^ 0c])`)
	reMacro  = regexp.MustCompile(`^\.\s*([A-Za-z]+)\s*(.*)$`)
)

// readMan reads a gzipped roff page: text lines and the arguments of font
// macros are kept; section and paragraph macros end passages.
func readMan(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		return nil, err
	}
	var sb strings.Builder
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, `.\"`) || strings.HasPrefix(line, `'\"`) {
			continue
		}
		if m := reMacro.FindStringSubmatch(line); m != nil {
			switch m[1] {
			case "B", "I", "BR", "RB", "IR", "RI", "BI", "IB", "SM", "SB":
				line = strings.ReplaceAll(m[2], `"`, "")
			case "SH", "SS", "TP", "PP", "P", "LP", "IP", "HP", "TH":
				sb.WriteString("\n\n")
				line = strings.ReplaceAll(m[2], `"`, "")
				if m[1] == "TH" {
					line = ""
				}
			default:
				continue
			}
		}
		line = reFont.ReplaceAllString(line, "")
		line = reEscape.ReplaceAllString(line, " ")
		sb.WriteString(line)
		sb.WriteByte('\n')
	}
	return paragraphs(sb.String()), nil
}

// readWordNet turns each synset into one passage: its words (so synonyms
// co-occur) followed by its gloss (definition and examples).
func readWordNet(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "  ") { // the licence header
			continue
		}
		head, gloss, _ := strings.Cut(line, " | ")
		fields := strings.Fields(head)
		if len(fields) < 4 {
			continue
		}
		var n int
		fmt.Sscanf(fields[3], "%x", &n)
		var ws []string
		for i := 0; i < n && 4+2*i < len(fields); i++ {
			ws = append(ws, strings.ReplaceAll(fields[4+2*i], "_", " "))
		}
		out = append(out, strings.Join(ws, ", ")+" : "+gloss)
	}
	return out, sc.Err()
}
