package store_test

import (
	"bufio"
	"context"
	"go/ast"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
	"golang.org/x/tools/go/packages"

	"github.com/konstruct/konstruct/api/dbtest"
)

const modulePath = "github.com/konstruct/konstruct"

// ownershipExempt are packages that may name any table: tooling that builds
// fixtures or measures as the owner role, never part of the product's path.
var ownershipExempt = map[string]string{
	"apigen":              "generated from openapi.yaml; its strings are the contract's prose",
	"apitest":             "test tooling: waits for River's queue to drain",
	"dbtest":              "test tooling: creates and migrates test databases",
	"cmd/konstruct-bench": "the bench: fixtures and clean-up as the owner, between measured phases",
}

// ownershipAllowed are today's violations: a package naming a table another
// package owns. Each is to be replaced by a call to the owner (the turn-path
// rework, issue 19 part B, empties this list). An entry that is no longer
// needed fails the test too, so the list only shrinks.
var ownershipAllowed = map[string][]string{
	// The queue-depth gauge counts river_job by queue and state: belongs in
	// jobs (a QueueDepths function the gauge calls).
	"app": {"river_job"},
	// Seats count active agents (agents should answer "how many are
	// active"); the Stripe customer and subscription state are columns of
	// tenants that billing writes (tenants to expose them, or the columns to
	// move to a billing-owned table keyed by tenant_id).
	"billing": {"agents", "tenants"},
	// The installer's label for the audit trail reads a token's name or a
	// user's email: auth to provide the actor's label (or the principal to
	// carry it).
	"channels/slack": {"api_tokens", "outbound_parts", "users"},
	// (slack and whatsapp) Provider evidence of a send (message_metadata_posted
	// events, status webhooks) settles delivery intents, and a WhatsApp
	// identity change repoints conversations: turns and conversations to
	// provide Settle and the repointing.
	"channels/whatsapp": {"conversations", "messages", "outbound_parts"},
	// message.received rides in the ingest statement as one more CTE, so
	// recording it costs no round trip; a call into events would cost one.
	"conversations": {"outbound_events"},
	// Escalation topics are a column of tenants: tenants to read and write
	// them.
	"escalation": {"tenants"},
	// Deleting a key unpins it from agents: agents to provide Unpin.
	"llmkeys": {"agents"},
	// Recall and backfill join memories to messages and conversations,
	// check that an agent and a connection exist, and erasure deletes a
	// person's conversations: conversations, agents and channels to provide
	// those reads and the erasure.
	"memory": {"agents", "channel_connections", "conversations", "messages", "whatsapp_people"},
	// The prune job deletes other owners' expired rows: each owner to
	// provide Prune(ctx) for the job to call.
	"retention": {"idempotency_keys", "rate_limit_buckets", "signin_failures"},
	// The member list joins users and invitations look users up by email:
	// auth to provide users by id and by email.
	"tenants": {"users"},
	// Reports name agents, and the budget lives in tenants' columns: agents
	// to provide names, tenants the budget (or the budget to move to usage).
	"usage": {"agents", "tenants"},
}

// TestTableOwnership enforces the ownership map in docs/architecture.md: the
// SQL of a package's non-test Go files (string literals, bun table tags,
// Table/TableExpr arguments, and the tables of the bun models it queries,
// whichever package declares them) names only tables that package owns.
func TestTableOwnership(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := dbtest.New(t)

	owners := readOwnershipMap(t)
	rows, err := d.Owner.Query(ctx, `SELECT c.relname FROM pg_class c
		WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'u') AND NOT c.relispartition ORDER BY 1`)
	require.NoError(t, err)
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)

	ownerOf := func(table string) (string, bool) {
		if o, ok := owners[table]; ok {
			return o, true
		}
		for pattern, o := range owners {
			if strings.HasSuffix(pattern, "*") && strings.HasPrefix(table, strings.TrimSuffix(pattern, "*")) {
				return o, true
			}
		}
		return "", false
	}
	t.Run("EveryTableHasAnOwner", func(t *testing.T) {
		t.Parallel()
		for _, table := range tables {
			_, ok := ownerOf(table)
			require.True(t, ok, "table %s has no owner: add a row `| `%s` | `<package>` | … |` to the ownership map in docs/architecture.md", table, table)
		}
	})

	t.Run("MapNamesOnlyTables", func(t *testing.T) {
		t.Parallel()
		for row := range owners {
			prefix, isPattern := strings.CutSuffix(row, "*")
			matched := slices.ContainsFunc(tables, func(table string) bool {
				return table == row || (isPattern && strings.HasPrefix(table, prefix))
			})
			require.True(t, matched, "docs/architecture.md: the ownership map names %s, which is not a table of the migrated schema", row)
		}
	})

	pkgs := loadProductPackages(t)
	t.Run("OwnersExist", func(t *testing.T) {
		t.Parallel()
		for table, owner := range owners {
			require.Contains(t, pkgs, owner, "docs/architecture.md: %s is owned by %s, which is not a package under api/", table, owner)
		}
	})

	named := map[string]map[string]bool{} // package → tables it names
	for rel, pkg := range pkgs {
		named[rel] = tablesNamedBy(pkg, tables)
	}

	t.Run("PackagesNameOnlyTheirTables", func(t *testing.T) {
		t.Parallel()
		var violations []string
		for rel, names := range named {
			if _, ok := ownershipExempt[rel]; ok {
				continue
			}
			for table := range names {
				owner, _ := ownerOf(table)
				if owner == rel || slices.Contains(ownershipAllowed[rel], table) {
					continue
				}
				violations = append(violations, rel+" names "+table+" (owned by "+owner+")")
			}
		}
		sort.Strings(violations)
		require.Empty(t, violations, "a package's SQL names a table another package owns: call the owner's functions instead (docs/architecture.md, Table ownership)")
	})

	t.Run("AllowListOnlyShrinks", func(t *testing.T) {
		t.Parallel()
		var stale []string
		for rel, list := range ownershipAllowed {
			for _, table := range list {
				if !named[rel][table] {
					stale = append(stale, rel+" → "+table)
				}
				if owner, _ := ownerOf(table); owner == rel {
					stale = append(stale, rel+" → "+table+" (it owns it)")
				}
			}
		}
		sort.Strings(stale)
		require.Empty(t, stale, "allow-list entries no longer needed: delete them from ownershipAllowed")
	})
}

// readOwnershipMap reads the "Table ownership" table of docs/architecture.md:
// rows of the form | `table` | `package` | why |. A table name ending in *
// covers every table with that prefix.
func readOwnershipMap(t *testing.T) map[string]string {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "docs", "architecture.md"))
	require.NoError(t, err)
	defer f.Close()
	row := regexp.MustCompile("^\\|\\s*`([a-z_*]+)`\\s*\\|\\s*`([a-z/]+)`\\s*\\|")
	owners := map[string]string{}
	inSection := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "## ") {
			inSection = strings.HasPrefix(line, "## Table ownership")
			continue
		}
		if !inSection {
			continue
		}
		if m := row.FindStringSubmatch(line); m != nil {
			prev, dup := owners[m[1]]
			require.False(t, dup, "docs/architecture.md: %s is owned twice (%s and %s)", m[1], prev, m[2])
			owners[m[1]] = m[2]
		}
	}
	require.NoError(t, sc.Err())
	require.NotEmpty(t, owners, "docs/architecture.md has no \"## Table ownership\" table")
	return owners
}

// loadProductPackages loads every package under api/ (without tests), with
// syntax and types, keyed by its path below api/.
func loadProductPackages(t *testing.T) map[string]*packages.Package {
	t.Helper()
	cfg := &packages.Config{
		Mode: packages.NeedName | packages.NeedFiles | packages.NeedSyntax | packages.NeedTypes | packages.NeedTypesInfo,
		Dir:  filepath.Join("..", ".."),
	}
	loaded, err := packages.Load(cfg, modulePath+"/api/...")
	require.NoError(t, err)
	pkgs := map[string]*packages.Package{}
	for _, p := range loaded {
		for _, e := range p.Errors {
			require.Fail(t, "load "+p.PkgPath, e.Error())
		}
		pkgs[strings.TrimPrefix(p.PkgPath, modulePath+"/api/")] = p
	}
	return pkgs
}

// sqlTableRef finds what follows the SQL keywords that name a relation.
// Keywords are matched in capitals, as the code writes SQL, so prose such as
// "remove it from tenants" is not SQL.
var sqlTableRef = regexp.MustCompile(`\b(?:FROM|JOIN|INTO|UPDATE|TABLE|USING|TRUNCATE)\s+(?:ONLY\s+)?"?([a-z_][a-z0-9_]*)`)

// tablesNamedBy lists the known tables a package's code names.
func tablesNamedBy(pkg *packages.Package, known []string) map[string]bool {
	isTable := map[string]bool{}
	for _, k := range known {
		isTable[k] = true
	}
	found := map[string]bool{}
	add := func(name string) {
		if isTable[name] {
			found[name] = true
		}
	}
	for _, file := range pkg.Syntax {
		if strings.HasSuffix(pkg.Fset.Position(file.Pos()).Filename, "_test.go") {
			continue
		}
		ast.Inspect(file, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.Field:
				if n.Tag != nil {
					tag, _ := strconv.Unquote(n.Tag.Value)
					if name, ok := bunTable(reflect.StructTag(tag)); ok {
						add(name)
					}
				}
			case *ast.BasicLit:
				if n.Kind == token.STRING {
					s, _ := strconv.Unquote(n.Value)
					for _, m := range sqlTableRef.FindAllStringSubmatch(s, -1) {
						add(m[1])
					}
				}
			case *ast.CallExpr:
				sel, ok := n.Fun.(*ast.SelectorExpr)
				if !ok {
					break
				}
				switch sel.Sel.Name {
				case "Table", "TableExpr", "ModelTableExpr":
					// bun: .Table("agents"), .TableExpr("memories AS mem")
					for _, arg := range n.Args {
						if lit, ok := arg.(*ast.BasicLit); ok && lit.Kind == token.STRING {
							s, _ := strconv.Unquote(lit.Value)
							if f := strings.Fields(s); len(f) > 0 {
								add(strings.Trim(f[0], `"`))
							}
						}
					}
				case "Model":
					// bun: .Model(&conversations.Message{}) names the
					// model's table, whoever declares the type.
					if !isBunQuery(pkg.TypesInfo.TypeOf(sel.X)) {
						break
					}
					for _, arg := range n.Args {
						if name, ok := modelTable(pkg.TypesInfo.TypeOf(arg)); ok {
							add(name)
						}
					}
				}
			}
			return true
		})
	}
	return found
}

func isBunQuery(t types.Type) bool {
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	named, ok := t.(*types.Named)
	return ok && named.Obj().Pkg() != nil && named.Obj().Pkg().Path() == "github.com/uptrace/bun"
}

// modelTable finds the table of a bun model type (a struct, a pointer or
// slice of one, or a pointer to a slice) from its bun.BaseModel tag.
func modelTable(t types.Type) (string, bool) {
	for {
		switch u := t.(type) {
		case *types.Pointer:
			t = u.Elem()
			continue
		case *types.Slice:
			t = u.Elem()
			continue
		}
		break
	}
	st, ok := t.Underlying().(*types.Struct)
	if !ok {
		return "", false
	}
	for i := range st.NumFields() {
		if name, ok := bunTable(reflect.StructTag(st.Tag(i))); ok {
			return name, true
		}
	}
	return "", false
}

// bunTable reads `bun:"table:name,alias:x"`.
func bunTable(tag reflect.StructTag) (string, bool) {
	v := tag.Get("bun")
	if !strings.HasPrefix(v, "table:") {
		return "", false
	}
	name, _, _ := strings.Cut(strings.TrimPrefix(v, "table:"), ",")
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		name = name[i+1:] // schema-qualified
	}
	return strings.Trim(name, `"`), name != ""
}
