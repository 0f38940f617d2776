package e2e

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/apitest"
)

// TestAssetsServedCompressed checks the built portal as the server sends it:
// every hashed asset in frontend/dist/assets comes as the build's brotli copy
// when the browser accepts br, as its gzip copy when it accepts only gzip,
// and as itself otherwise, always with Vary: Accept-Encoding and a year-long
// immutable cache. (Before precompression, no response had a
// Content-Encoding at all.)
func TestAssetsServedCompressed(t *testing.T) {
	t.Parallel()
	env := prerequisites(t)
	srv := apitest.New(t, apitest.Opts{Env: map[string]string{"SPA_DIR": env.dist}})

	entries, err := os.ReadDir(filepath.Join(env.dist, "assets"))
	require.NoError(t, err)
	var assets []string
	for _, e := range entries {
		if name := e.Name(); !e.IsDir() && !strings.HasSuffix(name, ".br") && !strings.HasSuffix(name, ".gz") {
			assets = append(assets, name)
		}
	}
	require.NotEmpty(t, assets, "the build has assets")

	get := func(t *testing.T, path, accept string) *http.Response {
		req, err := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		require.NoError(t, err)
		// Set explicitly, so Go's transport neither adds gzip nor decodes it.
		req.Header.Set("Accept-Encoding", accept)
		resp, err := http.DefaultTransport.RoundTrip(req)
		require.NoError(t, err)
		t.Cleanup(func() { resp.Body.Close() })
		require.Equal(t, http.StatusOK, resp.StatusCode, path)
		require.Equal(t, "Accept-Encoding", resp.Header.Get("Vary"), path)
		return resp
	}
	read := func(t *testing.T, r io.Reader) []byte {
		b, err := io.ReadAll(r)
		require.NoError(t, err)
		return b
	}
	for _, name := range assets {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			path := "/assets/" + name
			original, err := os.ReadFile(filepath.Join(env.dist, "assets", name))
			require.NoError(t, err)
			brotli, err := os.ReadFile(filepath.Join(env.dist, "assets", name+".br"))
			require.NoError(t, err, "the build wrote a brotli copy of %s", name)

			resp := get(t, path, "gzip, deflate, br, zstd")
			require.Equal(t, "br", resp.Header.Get("Content-Encoding"))
			require.Equal(t, "public, max-age=31536000, immutable", resp.Header.Get("Cache-Control"))
			require.Equal(t, brotli, read(t, resp.Body), "the build's brotli copy")
			if len(original) > 1024 { // a chunk of a few bytes cannot shrink
				require.Less(t, len(brotli), len(original), "brotli is smaller")
			}

			resp = get(t, path, "gzip")
			require.Equal(t, "gzip", resp.Header.Get("Content-Encoding"))
			zr, err := gzip.NewReader(resp.Body)
			require.NoError(t, err)
			require.True(t, bytes.Equal(original, read(t, zr)), "the gzip copy decodes to the asset")

			resp = get(t, path, "identity")
			require.Empty(t, resp.Header.Get("Content-Encoding"))
			require.True(t, bytes.Equal(original, read(t, resp.Body)))
		})
	}

	// The page itself (any client-side route) comes compressed too, never cached.
	resp := get(t, "/agents", "br")
	require.Equal(t, "br", resp.Header.Get("Content-Encoding"))
	require.Equal(t, "no-cache", resp.Header.Get("Cache-Control"))
}
