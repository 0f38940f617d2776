package escalation

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// Node is a parsed rule.
type Node interface {
	// String renders the node back as rule text (parsing it gives the same tree).
	String() string
	eval(*Context) bool
}

type (
	orNode    struct{ l, r Node }
	andNode   struct{ l, r Node }
	notNode   struct{ x Node }
	wordNode  struct{ word string }
	quoteNode struct{ phrase string }
	countNode struct {
		op string
		n  int
	}
)

func (n orNode) String() string   { return "(" + n.l.String() + " OR " + n.r.String() + ")" }
func (n andNode) String() string  { return "(" + n.l.String() + " AND " + n.r.String() + ")" }
func (n notNode) String() string  { return "NOT " + n.x.String() }
func (n wordNode) String() string { return n.word }

// String quotes with the only escapes the lexer reads: \" and \\.
func (n quoteNode) String() string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(n.phrase) + `"`
}
func (n countNode) String() string { return "count " + n.op + " " + strconv.Itoa(n.n) }

// SyntaxError says where a rule goes wrong (Pos is 1-based, in characters).
type SyntaxError struct {
	Pos int
	Msg string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("at character %d: %s", e.Pos, e.Msg) }

// MaxLen bounds rule text; MaxDepth bounds nesting, so a hostile rule cannot
// exhaust the stack.
const (
	MaxLen   = 500
	MaxDepth = 32
)

type tokKind int

const (
	tEOF tokKind = iota
	tWord
	tQuote
	tNumber
	tOp
	tLParen
	tRParen
)

type token struct {
	kind tokKind
	text string
	pos  int // 1-based rune position
}

func lex(src string) ([]token, error) {
	r := []rune(src)
	var out []token
	for i := 0; i < len(r); {
		c := r[i]
		switch {
		case unicode.IsSpace(c):
			i++
		case c == '(':
			out = append(out, token{tLParen, "(", i + 1})
			i++
		case c == ')':
			out = append(out, token{tRParen, ")", i + 1})
			i++
		case c == '"':
			start := i
			i++
			var b strings.Builder
			for i < len(r) && r[i] != '"' {
				if r[i] == '\\' && i+1 < len(r) {
					i++
				}
				b.WriteRune(r[i])
				i++
			}
			if i >= len(r) {
				return nil, &SyntaxError{start + 1, "the quoted phrase is not closed"}
			}
			i++
			phrase := strings.Join(strings.Fields(b.String()), " ")
			if phrase == "" {
				return nil, &SyntaxError{start + 1, "the quoted phrase is empty"}
			}
			out = append(out, token{tQuote, phrase, start + 1})
		case strings.ContainsRune("<>=!", c):
			start := i
			op := string(c)
			if i+1 < len(r) && r[i+1] == '=' {
				op += "="
				i++
			}
			i++
			if op == "!" {
				return nil, &SyntaxError{start + 1, `"!" must be followed by "=" (use NOT to negate)`}
			}
			if op == "==" {
				op = "="
			}
			out = append(out, token{tOp, op, start + 1})
		case unicode.IsDigit(c):
			start := i
			for i < len(r) && unicode.IsDigit(r[i]) {
				i++
			}
			out = append(out, token{tNumber, string(r[start:i]), start + 1})
		case unicode.IsLetter(c) || c == '_' || c == '-' || c == '\'':
			start := i
			for i < len(r) && (unicode.IsLetter(r[i]) || unicode.IsDigit(r[i]) || r[i] == '_' || r[i] == '-' || r[i] == '\'') {
				i++
			}
			out = append(out, token{tWord, string(r[start:i]), start + 1})
		default:
			return nil, &SyntaxError{i + 1, fmt.Sprintf("unexpected %q", c)}
		}
	}
	return append(out, token{tEOF, "", len(r) + 1}), nil
}

type parser struct {
	toks  []token
	i     int
	depth int
}

// Parse reads a rule.
func Parse(src string) (Node, error) {
	if len([]rune(src)) > MaxLen {
		return nil, &SyntaxError{MaxLen + 1, fmt.Sprintf("a rule may be at most %d characters", MaxLen)}
	}
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	if p.peek().kind == tEOF {
		return nil, &SyntaxError{1, "the rule is empty"}
	}
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, &SyntaxError{t.pos, fmt.Sprintf("expected AND, OR or the end of the rule, found %s", describe(t))}
	}
	return n, nil
}

func (p *parser) peek() token { return p.toks[p.i] }
func (p *parser) next() token { t := p.toks[p.i]; p.i++; return t }

func isKeyword(t token, kw string) bool { return t.kind == tWord && strings.EqualFold(t.text, kw) }

func describe(t token) string {
	switch t.kind {
	case tEOF:
		return "the end of the rule"
	case tQuote:
		return quoteNode{t.text}.String()
	}
	return "\"" + t.text + "\""
}

func (p *parser) enter(pos int) error {
	p.depth++
	if p.depth > MaxDepth {
		return &SyntaxError{pos, fmt.Sprintf("the rule nests deeper than %d levels", MaxDepth)}
	}
	return nil
}

func (p *parser) or() (Node, error) {
	l, err := p.and()
	if err != nil {
		return nil, err
	}
	for isKeyword(p.peek(), "OR") {
		p.next()
		r, err := p.and()
		if err != nil {
			return nil, err
		}
		l = orNode{l, r}
	}
	return l, nil
}

func (p *parser) and() (Node, error) {
	l, err := p.not()
	if err != nil {
		return nil, err
	}
	for isKeyword(p.peek(), "AND") {
		p.next()
		r, err := p.not()
		if err != nil {
			return nil, err
		}
		l = andNode{l, r}
	}
	return l, nil
}

func (p *parser) not() (Node, error) {
	if t := p.peek(); isKeyword(t, "NOT") {
		p.next()
		if err := p.enter(t.pos); err != nil {
			return nil, err
		}
		x, err := p.not()
		p.depth--
		if err != nil {
			return nil, err
		}
		return notNode{x}, nil
	}
	return p.primary()
}

func (p *parser) primary() (Node, error) {
	t := p.next()
	switch {
	case t.kind == tLParen:
		if err := p.enter(t.pos); err != nil {
			return nil, err
		}
		n, err := p.or()
		p.depth--
		if err != nil {
			return nil, err
		}
		if c := p.next(); c.kind != tRParen {
			return nil, &SyntaxError{c.pos, fmt.Sprintf("expected \")\" to close the \"(\" at character %d, found %s", t.pos, describe(c))}
		}
		return n, nil
	case isKeyword(t, "count"):
		op := p.next()
		if op.kind != tOp {
			return nil, &SyntaxError{op.pos, fmt.Sprintf("expected a comparison (>, >=, <, <=, =, !=) after count, found %s", describe(op))}
		}
		num := p.next()
		if num.kind != tNumber {
			return nil, &SyntaxError{num.pos, fmt.Sprintf("expected a number after count %s, found %s", op.text, describe(num))}
		}
		n, err := strconv.Atoi(num.text)
		if err != nil || n > 1000000 {
			return nil, &SyntaxError{num.pos, "the number is too large"}
		}
		return countNode{op.text, n}, nil
	case isKeyword(t, "AND") || isKeyword(t, "OR"):
		return nil, &SyntaxError{t.pos, fmt.Sprintf("expected a word, a \"quoted phrase\" or count before %s", strings.ToUpper(t.text))}
	case t.kind == tWord:
		return wordNode{strings.ToLower(t.text)}, nil
	case t.kind == tQuote:
		return quoteNode{strings.ToLower(t.text)}, nil
	}
	return nil, &SyntaxError{t.pos, fmt.Sprintf("expected a word, a \"quoted phrase\", count or \"(\", found %s", describe(t))}
}
