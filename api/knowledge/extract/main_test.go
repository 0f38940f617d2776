package extract

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMain keeps the compiled PDFium module in a cache keyed by the module
// versions in go.sum (a test binary carries no build info to key it by), so
// only the first run of a machine pays for compiling it — the fuzz workers too.
func TestMain(m *testing.M) {
	if sum, err := os.ReadFile("../../../go.sum"); err == nil {
		h := sha256.New()
		for _, line := range strings.Split(string(sum), "\n") {
			if strings.HasPrefix(line, "github.com/tetratelabs/wazero ") || strings.HasPrefix(line, "github.com/klippa-app/go-pdfium ") {
				h.Write([]byte(line))
			}
		}
		PDFCacheDir = filepath.Join(os.TempDir(), "konstruct-pdfium-test", hex.EncodeToString(h.Sum(nil))[:16])
	}
	os.Exit(m.Run())
}
