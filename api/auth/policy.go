package auth

import (
	"strings"

	"github.com/trustelem/zxcvbn"
	"github.com/trustelem/zxcvbn/match"

	"github.com/konstruct/konstruct/api/errs"
)

// Password policy: at least 10 characters (the contract), and not guessable.
// Guessability is zxcvbn's estimate (github.com/trustelem/zxcvbn, a port of
// Dropbox's estimator): it ships the 30,000 most common passwords from
// public breaches, English words, names and surnames, and recognises
// keyboard walks, repeats, sequences, dates and l33t substitutions. A
// password needs score 3 ("safely unguessable": about 10^8 guesses or more),
// which is OWASP's suggestion and, with argon2id, months of a core per
// account offline. The user's own email and name count as words to guess.
const minPasswordScore = 3

// maxScored bounds the estimator's work: it is superlinear in length, and
// the first 64 characters of a password are enough to judge it.
const maxScored = 64

// CheckPasswordStrength refuses a guessable password with a 422 on
// body.password that says why.
func CheckPasswordStrength(password string, userInputs ...string) error {
	p := []rune(password)
	if len(p) > maxScored {
		p = p[:maxScored]
	}
	var inputs []string
	for _, in := range userInputs {
		inputs = append(inputs, strings.ToLower(in))
		if local, _, ok := strings.Cut(in, "@"); ok {
			inputs = append(inputs, strings.ToLower(local))
		}
	}
	r := zxcvbn.PasswordStrength(string(p), inputs)
	if r.Score >= minPasswordScore {
		return nil
	}
	return errs.Field("body.password", "is too easy to guess%s; use a longer phrase of unrelated words", why(r.Sequence))
}

// why names the weakest part zxcvbn found, in words.
func why(seq []*match.Match) string {
	for _, m := range seq {
		switch m.Pattern {
		case "dictionary":
			switch m.DictionaryName {
			case "passwords":
				return " (it is one of the most common passwords)"
			case "user_inputs":
				return " (it contains your name or email)"
			}
		case "repeat":
			return " (it repeats characters)"
		case "sequence":
			return " (it is a sequence like abcd or 1234)"
		case "spatial":
			return " (it is a keyboard pattern)"
		case "date":
			return " (it contains a date)"
		}
	}
	return ""
}
