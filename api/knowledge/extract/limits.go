package extract

import "time"

// Limits bound the work one file may cause. A zero field takes its default
// from DefaultLimits, so Limits{} is safe; a negative field is treated as 0 → default.
type Limits struct {
	MaxBytes             int64 // size of the uploaded file (default 25 MiB)
	MaxPages             int   // PDF pages (default 500)
	MaxDecompressedBytes int64 // DOCX: all zip entries read, decompressed (default 100 MiB)
	MaxCompressionRatio  int64 // DOCX: decompressed/compressed size of any entry read (default 100)
	MaxTextBytes         int64 // extracted text kept; more fails with ErrTooLarge (default 20 MiB)
	MaxCSVRows           int   // Q&A pairs in a CSV (default 50,000)
	// Timeout bounds the time one file may take (default 60s); a PDF still
	// being read then has its worker killed and fails as ErrCorrupt.
	Timeout time.Duration
}

// DefaultLimits are the limits used for any zero field of Limits.
func DefaultLimits() Limits {
	return Limits{
		MaxBytes:             25 << 20,
		MaxPages:             500,
		MaxDecompressedBytes: 100 << 20,
		MaxCompressionRatio:  100,
		MaxTextBytes:         20 << 20,
		MaxCSVRows:           50_000,
		Timeout:              60 * time.Second,
	}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxBytes <= 0 {
		l.MaxBytes = d.MaxBytes
	}
	if l.MaxPages <= 0 {
		l.MaxPages = d.MaxPages
	}
	if l.MaxDecompressedBytes <= 0 {
		l.MaxDecompressedBytes = d.MaxDecompressedBytes
	}
	if l.MaxCompressionRatio <= 0 {
		l.MaxCompressionRatio = d.MaxCompressionRatio
	}
	if l.MaxTextBytes <= 0 {
		l.MaxTextBytes = d.MaxTextBytes
	}
	if l.MaxCSVRows <= 0 {
		l.MaxCSVRows = d.MaxCSVRows
	}
	if l.Timeout <= 0 {
		l.Timeout = d.Timeout
	}
	return l
}
