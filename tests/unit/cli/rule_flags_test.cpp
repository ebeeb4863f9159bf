// The rule flags of `peerdb consortium create`: --namespace NAME[:MODE[:encrypted]] and
// --writers/--editors/--readers NAME=ID,...; each accepted form and each refusal, with its message.
#include "peerdb/cli/rule_flags.h"

#include <gtest/gtest.h>

namespace peerdb::cli {
namespace {

using chain::MemberId;
using chain::RuleMode;

std::uint8_t Mode(RuleMode m) { return static_cast<std::uint8_t>(m); }

// The one-line kMalformed message of a refusal, or "accepted".
template <class R>
std::string Refusal(const R& r) {
  if (r.ok()) return "accepted";
  EXPECT_EQ(r.error().code, Errc::kMalformed) << r.error().message;
  EXPECT_EQ(r.error().message.find('\n'), std::string::npos) << r.error().message;
  return r.error().message;
}

TEST(CliRuleFlags, NamespaceTakesAnOptionalModeAndEncrypted) {
  auto plain = ParseNamespaceFlag("books");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->ns, "books");
  EXPECT_EQ(plain->mode, Mode(RuleMode::kOwnerEdit));
  EXPECT_FALSE(plain->encrypted);
  EXPECT_TRUE(plain->writers.empty() && plain->editors.empty() && plain->readers.empty());

  EXPECT_EQ(ParseNamespaceFlag("log:append-only")->mode, Mode(RuleMode::kAppendOnly));
  EXPECT_EQ(ParseNamespaceFlag("wiki:editors-edit")->mode, Mode(RuleMode::kEditorsEdit));
  auto secret = ParseNamespaceFlag("hr.files:owner-edit:encrypted");
  ASSERT_TRUE(secret.ok());
  EXPECT_EQ(secret->ns, "hr.files");
  EXPECT_EQ(secret->mode, Mode(RuleMode::kOwnerEdit));
  EXPECT_TRUE(secret->encrypted);
}

TEST(CliRuleFlags, NamespaceRefusesBadNamesModesAndParts) {
  EXPECT_EQ(Refusal(ParseNamespaceFlag("Books")),
            "namespace 'Books' must be 1..64 characters of [a-z0-9._-], not starting with '_'");
  EXPECT_NE(Refusal(ParseNamespaceFlag("")), "accepted");
  EXPECT_NE(Refusal(ParseNamespaceFlag("a/b")), "accepted");
  EXPECT_NE(Refusal(ParseNamespaceFlag("_config")), "accepted");
  EXPECT_NE(Refusal(ParseNamespaceFlag(std::string(65, 'a'))), "accepted");
  EXPECT_EQ(Refusal(ParseNamespaceFlag("b:sometimes")),
            "--namespace b:sometimes: mode must be append-only, owner-edit or editors-edit, not 'sometimes'");
  EXPECT_EQ(Refusal(ParseNamespaceFlag("b:owner-edit:secret")),
            "--namespace b:owner-edit:secret: the third part may only be 'encrypted', not 'secret'");
  EXPECT_EQ(Refusal(ParseNamespaceFlag("b::encrypted")),
            "--namespace b::encrypted: mode must be append-only, owner-edit or editors-edit, not ''");
  EXPECT_EQ(Refusal(ParseNamespaceFlag("b:owner-edit:encrypted:x")),
            "--namespace b:owner-edit:encrypted:x: must be NAME, NAME:MODE or NAME:MODE:encrypted");
}

TEST(CliRuleFlags, MemberListIsSortedAndMayHaveSpaces) {
  auto list = ParseMemberListFlag("--writers", "books=3,1, 2", 3);
  ASSERT_TRUE(list.ok()) << list.error().message;
  EXPECT_EQ(list->ns, "books");
  EXPECT_EQ(list->ids, (std::vector<MemberId>{1, 2, 3}));
  EXPECT_EQ(ParseMemberListFlag("--editors", "notes=2", 2)->ids, (std::vector<MemberId>{2}));
}

TEST(CliRuleFlags, MemberListRefusesUnknownDuplicateAndMalformedIds) {
  EXPECT_EQ(Refusal(ParseMemberListFlag("--writers", "books=1,4", 3)),
            "--writers books=1,4: there is no member 4 (the 3 --member cards are members 1..3, in order)");
  EXPECT_EQ(Refusal(ParseMemberListFlag("--writers", "books=0", 3)),
            "--writers books=0: there is no member 0 (the 3 --member cards are members 1..3, in order)");
  EXPECT_EQ(Refusal(ParseMemberListFlag("--editors", "books=2,1,2", 3)), "--editors books=2,1,2: member 2 is listed twice");
  EXPECT_EQ(Refusal(ParseMemberListFlag("--writers", "books", 3)),
            "--writers books: must be NAMESPACE=ID[,ID...], e.g. books=1,2");
  EXPECT_EQ(Refusal(ParseMemberListFlag("--writers", "=1", 3)), "--writers =1: must be NAMESPACE=ID[,ID...], e.g. books=1,2");
  EXPECT_EQ(Refusal(ParseMemberListFlag("--writers", "books=", 3)),
            "--writers books=: names no member; give at least one member id");
  EXPECT_EQ(Refusal(ParseMemberListFlag("--readers", "books=1,x", 3)),
            "--readers books=1,x: 'x' is not a member id (ids are whole numbers)");
  EXPECT_EQ(Refusal(ParseMemberListFlag("--writers", "books=1,,2", 3)),
            "--writers books=1,,2: '' is not a member id (ids are whole numbers)");
  EXPECT_NE(Refusal(ParseMemberListFlag("--writers", "books=-1", 3)), "accepted");
  EXPECT_NE(Refusal(ParseMemberListFlag("--writers", "books=1.5", 3)), "accepted");
  EXPECT_NE(Refusal(ParseMemberListFlag("--writers", "books=99999999999999999999", 3)), "accepted");
  EXPECT_NE(Refusal(ParseMemberListFlag("--writers", "Books=1", 3)), "accepted");
}

TEST(CliRuleFlags, BuildRulesAppliesListsToTheirNamespacesSorted) {
  RuleFlags flags;
  flags.namespaces = {"notes:editors-edit", "books:append-only", "hr:owner-edit:encrypted"};
  flags.writers = {"books=2,1"};
  flags.editors = {"notes=3", "hr=1"};
  flags.readers = {"hr=3,1"};
  auto rules = BuildRules(flags, 3);
  ASSERT_TRUE(rules.ok()) << rules.error().message;
  ASSERT_EQ(rules->size(), 3u);
  const chain::Rule& books = (*rules)[0];
  const chain::Rule& hr = (*rules)[1];
  const chain::Rule& notes = (*rules)[2];
  EXPECT_EQ(books.ns, "books");
  EXPECT_EQ(books.mode, Mode(RuleMode::kAppendOnly));
  EXPECT_EQ(books.writers, (std::vector<MemberId>{1, 2}));
  EXPECT_TRUE(books.editors.empty() && books.readers.empty());
  EXPECT_EQ(hr.ns, "hr");
  EXPECT_TRUE(hr.encrypted);
  EXPECT_EQ(hr.editors, (std::vector<MemberId>{1}));
  EXPECT_EQ(hr.readers, (std::vector<MemberId>{1, 3}));
  EXPECT_TRUE(hr.writers.empty());
  EXPECT_EQ(notes.ns, "notes");
  EXPECT_EQ(notes.editors, (std::vector<MemberId>{3}));
  EXPECT_TRUE(notes.writers.empty());
}

TEST(CliRuleFlags, NoNamespaceFlagMeansOneOwnerEditMain) {
  auto rules = BuildRules(RuleFlags{}, 2);
  ASSERT_TRUE(rules.ok());
  ASSERT_EQ(rules->size(), 1u);
  EXPECT_EQ((*rules)[0].ns, "main");
  EXPECT_EQ((*rules)[0].mode, Mode(RuleMode::kOwnerEdit));
  RuleFlags writers_of_main;
  writers_of_main.writers = {"main=2"};
  EXPECT_EQ(BuildRules(writers_of_main, 2)->at(0).writers, (std::vector<MemberId>{2}));
}

TEST(CliRuleFlags, BuildRulesRefusesListsThatNameNoNamespaceOrRepeat) {
  RuleFlags flags;
  flags.namespaces = {"books", "notes"};
  flags.writers = {"ledger=1"};
  EXPECT_EQ(Refusal(BuildRules(flags, 2)), "--writers ledger=1: no --namespace ledger (namespaces: books, notes)");
  flags.writers = {"books=1", "books=2"};
  EXPECT_EQ(Refusal(BuildRules(flags, 2)),
            "--writers is given twice for 'books'; list all its members in one: --writers books=1,2");
  flags.writers = {"books=1", "notes=2"};
  EXPECT_EQ(Refusal(BuildRules(flags, 2)), "accepted");
  flags.editors = {"notes=1", "notes=1"};
  EXPECT_EQ(Refusal(BuildRules(flags, 2)),
            "--editors is given twice for 'notes'; list all its members in one: --editors notes=1,2");
  flags.editors = {"notes=3"};
  EXPECT_NE(Refusal(BuildRules(flags, 2)), "accepted");
  RuleFlags twice;
  twice.namespaces = {"books", "books:append-only"};
  EXPECT_EQ(Refusal(BuildRules(twice, 2)), "--namespace books is given twice");
}

// A list that would change nothing is refused rather than kept: it would mislead whoever reads the
// consortium file.
TEST(CliRuleFlags, BuildRulesRefusesEditorsOfAppendOnlyAndReadersOfPlainNamespaces) {
  RuleFlags flags;
  flags.namespaces = {"books:append-only", "notes", "hr:owner-edit:encrypted"};
  flags.editors = {"books=1"};
  EXPECT_EQ(Refusal(BuildRules(flags, 2)), "--editors books=1: 'books' is append-only, so nobody changes its keys");
  flags.editors = {};
  flags.readers = {"notes=1"};
  EXPECT_EQ(Refusal(BuildRules(flags, 2)),
            "--readers notes=1: 'notes' is not encrypted, so every member reads it; readers apply to --namespace "
            "notes:MODE:encrypted");
  flags.readers = {"hr=2"};
  EXPECT_EQ(Refusal(BuildRules(flags, 2)), "accepted");
}

}  // namespace
}  // namespace peerdb::cli
