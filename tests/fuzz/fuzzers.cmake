# The fuzz targets and their seed corpora (corpus/<name>/), declared with peerdb_add_fuzzer
# (cmake/PeerdbFuzz.cmake). This file is include()d directly in fuzz-only builds, so paths are built
# from CMAKE_CURRENT_LIST_DIR and never from CMAKE_CURRENT_SOURCE_DIR. Add new targets here.

# The chain samples (tests/unit/chain) seed the corpora and give the targets a config to verify against.
add_library(peerdb_fuzz_chain_samples STATIC ${CMAKE_CURRENT_LIST_DIR}/../unit/chain/chain_samples.cpp)
target_include_directories(peerdb_fuzz_chain_samples PUBLIC ${CMAKE_CURRENT_LIST_DIR}/../unit/chain)
target_link_libraries(peerdb_fuzz_chain_samples PUBLIC peerdb::chain)

# <chain type>:<target name>
set(PEERDB_DECODE_FUZZERS
  Block:block Header:header TxBatch:tx_batch Genesis:genesis Config:config Vote:vote Seal:seal
  RoundChange:round_change MajorityCert:majority_cert Checkpoint:checkpoint Evidence:evidence
  AnchorRecord:anchor_record Record:record Proposal:proposal ProposalCore:proposal_core
  ConfigApprove:config_approve)
foreach(entry IN LISTS PEERDB_DECODE_FUZZERS)
  string(REPLACE ":" ";" entry "${entry}")
  list(GET entry 0 type)
  list(GET entry 1 name)
  peerdb_add_fuzzer(decode_${name}
    SOURCES decode_fuzzer.cpp
    DEPS peerdb_fuzz_chain_samples
    DEFINES PEERDB_FUZZ_TYPE=${type}
    CORPUS corpus/decode_${name})
endforeach()

# The seed generator; the test keeps committed seeds in step with the samples and the encoding.
if(NOT PEERDB_FUZZ)
  add_executable(make_fuzz_corpus ${CMAKE_CURRENT_LIST_DIR}/make_corpus.cpp)
  target_link_libraries(make_fuzz_corpus PRIVATE peerdb_fuzz_chain_samples peerdb::consensus peerdb::audit)
  add_test(NAME fuzz.corpus_seeds_current
           COMMAND make_fuzz_corpus --check ${CMAKE_CURRENT_LIST_DIR}/corpus)
  set_tests_properties(fuzz.corpus_seeds_current PROPERTIES LABELS fuzz)
endif()

# POST /v1/tx JSON bodies (api::ParseTxRequest).
if(TARGET peerdb_api AND EXISTS ${CMAKE_CURRENT_LIST_DIR}/api_tx_body_fuzz.cpp)
  peerdb_add_fuzzer(api_tx_body
    SOURCES api_tx_body_fuzz.cpp
    DEPS peerdb::api
    CORPUS corpus/api_tx_body)
endif()

# POST /v1/changes JSON bodies (api::ParseChangeRequest, api::ResolveChange).
if(TARGET peerdb_api)
  peerdb_add_fuzzer(api_change_body
    SOURCES api_change_body_fuzz.cpp
    DEPS peerdb::api
    CORPUS corpus/api_change_body)
endif()

# .ots proofs (ots::DecodeOtsFile and ots::DecodeTimestamp): parse -> serialize -> parse stability.
if(TARGET peerdb_ots)
  peerdb_add_fuzzer(ots_file
    SOURCES ots_file_fuzz.cpp
    DEPS peerdb::ots
    CORPUS corpus/ots_file)
endif()

# Peer transport frames and hellos (net::DecodeFrame, net::DecodeHello).
if(TARGET peerdb_net)
  peerdb_add_fuzzer(net_frame
    SOURCES net_frame_fuzz.cpp
    DEPS peerdb::net
    CORPUS corpus/net_frame)
endif()

# Peer messages (consensus::DecodeMessage): type byte || body, every message type, SyncResponse
# with whole blocks. Seeds from make_fuzz_corpus.
if(TARGET peerdb_consensus)
  peerdb_add_fuzzer(consensus_wire
    SOURCES consensus_wire_fuzz.cpp
    DEPS peerdb::consensus
    CORPUS corpus/consensus_wire)
endif()

# Chain export files (audit::ExportReader::FromBytes, then audit::AuditExport on what reads cleanly).
# Seeds from make_fuzz_corpus.
if(TARGET peerdb_audit)
  peerdb_add_fuzzer(export_reader
    SOURCES export_reader_fuzz.cpp
    DEPS peerdb::audit
    CORPUS corpus/export_reader)
endif()

# Member cards (node::DecodeMemberCard), exchanged between firms: JSON -> card -> canonical JSON.
if(TARGET peerdb_node)
  peerdb_add_fuzzer(member_card
    SOURCES member_card_fuzz.cpp
    DEPS peerdb::node
    CORPUS corpus/member_card)
endif()

# Consortium files (node::DecodeConsortiumToml): TOML -> genesis -> canonical TOML.
if(TARGET peerdb_node)
  peerdb_add_fuzzer(consortium_toml
    SOURCES consortium_toml_fuzz.cpp
    DEPS peerdb::node
    CORPUS corpus/consortium_toml)
endif()

# Bitcoin headers: headers files (ots::HeadersFile::Parse) and raw 80-byte headers (ots::DecodeBlockHeader).
if(TARGET peerdb_ots)
  peerdb_add_fuzzer(bitcoin_headers
    SOURCES bitcoin_headers_fuzz.cpp
    DEPS peerdb::ots
    CORPUS corpus/bitcoin_headers)
endif()

# HTTP request targets (api::ParseTarget, api::PercentDecode, api::ParseMinStatus).
if(TARGET peerdb_api)
  peerdb_add_fuzzer(api_target
    SOURCES api_target_fuzz.cpp
    DEPS peerdb::api
    CORPUS corpus/api_target)
endif()
