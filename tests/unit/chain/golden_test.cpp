// Golden vectors for every PCE-encoded chain type (PROTOCOL.md §1.1–§1.8): the exact bytes of a fixed
// sample, hex in -> decode -> tagged hash out, and encode -> the same hex. Any change to a field, its
// order or width, a hash tag or a sign tag breaks these on purpose: such a change forks the chain and
// needs a version bump, never a silent re-pin.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "chain_samples.h"

namespace peerdb::chain {
namespace {

using samples::Filled;

// Pinned values. Computed once from the samples, then frozen.
constexpr std::string_view kMemberHex =
    "000000018a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5ce1e1e1e1e1e1e1e1e1e1e1e1"
    "e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e100000005616c69636500000011616c696365406578616d706c652e6f"
    "7267";
constexpr std::string_view kRuleHex =
    "000000066c65646765720000000200000001000000020000000100000001000000000200";
constexpr std::string_view kParamsHex =
    "00000000000003e8000000000000753000000000000007d0000000000000ea6000000000000007d00000000600000000"
    "000927c000000000000927c0008000000010000000000000000186a0";
constexpr std::string_view kConfigHex =
    "0001000000000000000000000004000000018a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f"
    "6f5ce1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e100000005616c6963650000001161"
    "6c696365406578616d706c652e6f7267000000028139770ea87d175f56a35466c34c7ecccb8d8a91b4ee37a25df60f5b"
    "8fc9b394e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e200000003626f620000000f62"
    "6f62406578616d706c652e6f726700000003ed4928c628d1c2c6eae90338905995612959273a5c63f93636c14614ac87"
    "37d1e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3000000056361726f6c0000001163"
    "61726f6c406578616d706c652e6f726700000004ca93ac1705187071d67b83c7ff0efe8108e8ec4530575d7726879333"
    "dbdabe7ce4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4000000046461766500000010"
    "64617665406578616d706c652e6f726700000000000003e8000000000000753000000000000007d0000000000000ea60"
    "00000000000007d00000000600000000000927c000000000000927c0008000000010000000000000000186a000000001"
    "000000066c65646765720000000200000001000000020000000100000001000000000200000000000000000000000000"
    "0000000000000000000000000000000000000000";
constexpr std::string_view kConfigHash = "69a9aeefd24ca8edcdb1834543ef03807f4b0cceb9c34ee7ab96cbc303c1bc69";
constexpr std::string_view kGenesisHex =
    "00010001000000000000000000000004000000018a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801"
    "b40f6f5ce1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e100000005616c696365000000"
    "11616c696365406578616d706c652e6f7267000000028139770ea87d175f56a35466c34c7ecccb8d8a91b4ee37a25df6"
    "0f5b8fc9b394e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e200000003626f62000000"
    "0f626f62406578616d706c652e6f726700000003ed4928c628d1c2c6eae90338905995612959273a5c63f93636c14614"
    "ac8737d1e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3000000056361726f6c000000"
    "116361726f6c406578616d706c652e6f726700000004ca93ac1705187071d67b83c7ff0efe8108e8ec4530575d772687"
    "9333dbdabe7ce4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e400000004646176650000"
    "001064617665406578616d706c652e6f726700000000000003e8000000000000753000000000000007d0000000000000"
    "ea6000000000000007d00000000600000000000927c000000000000927c0008000000010000000000000000186a00000"
    "0001000000066c6564676572000000020000000100000002000000010000000100000000020000000000000000000000"
    "000000000000000000000000000000000000000000000000018bcfe56800151515151515151515151515151515151515"
    "1515151515151515151515151515000000137065657264622073616d706c6520636861696e";
constexpr std::string_view kChainId = "112e21c5261f6f5e96880ebfbc545a10da8b6fc7813523eead7661225714efe5";
constexpr std::string_view kOpHex =
    "01000000066c65646765720000000a696e766f6963652d34320000000a616d6f756e743d313030";
constexpr std::string_view kTxBatchHex =
    "000100000001000000000000000100000000000003e80000000101000000066c65646765720000000a696e766f696365"
    "2d34320000000a616d6f756e743d31303004665b94f333aa600c2923effe65e12fab027624d91d58993a14d8a462b9cd"
    "155cb00dd7bd76e047df2f55ac0df912bb486b4f3c43b9dea3580b2f554c7ab30a";
constexpr std::string_view kTxBatchId = "6d1086e21473b10ae55d9139b3fc57c1cc394f7842b774709b634dea24c90265";
constexpr std::string_view kProposalCoreHex =
    "0001000000000000000200000000b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b10b0d"
    "b25a802c7969aac3adc5ac297fb5bb56417fbb5de1ad18e890a2e1688b6000000001a3d08d8c4f3ca085640ce72c56cd"
    "0d8cea46173c83ebdd165fbcf1dd36427ededa463090b5ece6da26a8ca8487a5142b9527ef01fe8c053ac8448b059d30"
    "4c03";
constexpr std::string_view kVoteHex =
    "0001000000000000000200000000b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b10000"
    "000252a402d8f578263c9cd595b06367b323977df6fb8c0b0073047e24c7b86fb117b151576f5e3bbef7af11a16a78f0"
    "9fc89f72cf1adae6d278a3e8d908d6fc6f05";
constexpr std::string_view kLastVoteHex =
    "0001000000000000000200000000b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b10000"
    "00035143d9205be47ee444f6ffd3fa3566a5644f62a15768a408f5436083bf6225ec1c377c7dd45638b16cd947bb5603"
    "677c3c0a59ef9d0c16fb543a37b06bec0b080001000000000000000200000000b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1"
    "b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b10b0db25a802c7969aac3adc5ac297fb5bb56417fbb5de1ad18e890a2e1688b60"
    "00000001a3d08d8c4f3ca085640ce72c56cd0d8cea46173c83ebdd165fbcf1dd36427ededa463090b5ece6da26a8ca84"
    "87a5142b9527ef01fe8c053ac8448b059d304c03";
constexpr std::string_view kRoundChangeHex =
    "0001000000000000000200000001010001000000000000000200000000b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1"
    "b1b1b1b1b1b1b1b1b1b1b1b1b1000000035143d9205be47ee444f6ffd3fa3566a5644f62a15768a408f5436083bf6225"
    "ec1c377c7dd45638b16cd947bb5603677c3c0a59ef9d0c16fb543a37b06bec0b080001000000000000000200000000b1"
    "b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b10b0db25a802c7969aac3adc5ac297fb5bb"
    "56417fbb5de1ad18e890a2e1688b6000000001a3d08d8c4f3ca085640ce72c56cd0d8cea46173c83ebdd165fbcf1dd36"
    "427ededa463090b5ece6da26a8ca8487a5142b9527ef01fe8c053ac8448b059d304c030000000330a2d38fd97c4c7734"
    "8316a6f6b66490b006de7aa9027fbdcd1f2a1e3e8cd90d82f85f2d5bd0561654104e4ed7a532d9e325b5139585343c3b"
    "30c4a4d68a9e06";
constexpr std::string_view kRoundChangeNoVoteHex =
    "00010000000000000002000000010000000002a7c739b0916d4aba5b5db781e819cb57a2b18a79c4bac321c6f6bfef12"
    "20055f0cdb60a6b84d744fd09c68f47440c294146a6de9d4c40c0a6dc687548e99f600";
constexpr std::string_view kSealHex =
    "00010000000000000002b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b10000000255c0"
    "70216182099888ea9322b8bcc9c6a92aea4cc5b866ca417597be342bc40803233d6cf13901fd474a716093beece7abb7"
    "3281bb8c733fb9ee0eedb40ba50f";
constexpr std::string_view kSigEntryHex =
    "0000000252a402d8f578263c9cd595b06367b323977df6fb8c0b0073047e24c7b86fb117b151576f5e3bbef7af11a16a"
    "78f09fc89f72cf1adae6d278a3e8d908d6fc6f05";
constexpr std::string_view kMajorityCertHex =
    "0001000000000000000100000000b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b10000"
    "0003000000013c43f044e89d12dbd15904d9e3a0326bc6e33623f9d104a5543485f8199d4ea05e0d0d74bea503764c73"
    "7dd1f56ec169f3a81241ec66175201ec7b6203ff4f0900000002177678d5f855a22ae2cc91c76df464001bb72061df25"
    "56ff9ab77b6137650686a5999e8282221b53b4806cee4389e17174d8cedc10eb5219615ee20344b4190600000003834e"
    "d492fea77e131ee8793ba90a5a5ca66ef9d466e1b89624a3f23ca73f90e3eac27356e178408a23263fc33dd2097029d8"
    "9cd8291fe5d72bc4a284d0617705";
constexpr std::string_view kMajorityCertHash =
    "04b524b1d037c2d40f4608a83175b741f8d5cac4d35530328ec24a63d827d274";
constexpr std::string_view kCheckpointHex =
    "0001112e21c5261f6f5e96880ebfbc545a10da8b6fc7813523eead7661225714efe50000000000000002b1b1b1b1b1b1"
    "b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1000000040000000129b9faa27e05057090655c587d0b"
    "7e02373b1d4080fa3cb6b1189917f15cad95bc3805f0d9e622cca54a570ab915fb1a2f1b585c84d01ac3dcbfcbca864d"
    "07040000000255c070216182099888ea9322b8bcc9c6a92aea4cc5b866ca417597be342bc40803233d6cf13901fd474a"
    "716093beece7abb73281bb8c733fb9ee0eedb40ba50f000000036b83382a18be32df7d3f9034725dd98833de273a7a1f"
    "14589e43ed0ac290240726565c96a6b68beeae8077aacab4b8d6222ea08b256f772ee247bd4a6ba5c10900000004c528"
    "0979fe27bd74b165ed21f1bc181ed254efde15c633edce35c4287c078f3394ed4ba12a6f7e0398239464aa0e402b22e3"
    "0e55a90904f790e916df85db4603";
constexpr std::string_view kCheckpointDigest =
    "1b1049e7ec8abb73d780c9608ca1e3642d403c3a52677cc36d82a0d265a1faa3";
constexpr std::string_view kConfigApproveHex =
    "00010000000000000000c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1b1b1b1b1b1b1"
    "b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b100000003765ff54964c99542090e38dc5ee28f5a4692"
    "c5bfb3200c1450d8e876ba23ed2947fbf6fdd74a0915ca026d62d08ee9cadbf3e68c9ad393aeba1c595943fea101";
constexpr std::string_view kEvidenceHex =
    "000102000000720001000000000000000200000000b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1"
    "b1b1b1b1b1000000048a12b8073ea3b42f187288f6ea1151a641c74e3ad3c4a9e7c4306a01a1bf8a5eb829714fe3f61f"
    "a731d97254cc4c433be02ad81f9b5ccfbf1b195374b684290b000000720001000000000000000200000000b2b2b2b2b2"
    "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b200000004b014ae4bf5a5c963b820fa780f2d22b47f"
    "71752761d0b96ea9faa364170791ae655747751cc257f7f9d8f32e4f92b3b4cf0c6f51f0299a56a2e3491f8ef69c0d00"
    "000000";
constexpr std::string_view kAnchorRecordHex =
    "00011b1049e7ec8abb73d780c9608ca1e3642d403c3a52677cc36d82a0d265a1faa301000c3500bcbcbcbcbcbcbcbcbc"
    "bcbcbcbcbcbcbcbcbcbcbcbcbcbcbcbcbcbcbcbcbcbcbc00000005004f70656e";
constexpr std::string_view kHeaderHex =
    "0001112e21c5261f6f5e96880ebfbc545a10da8b6fc7813523eead7661225714efe50000000000000001000000000000"
    "0007a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7000000030000018bcfe58358cfcf"
    "cfcfcfcfcfcfcfcfcfcfcfcfcfcfcfcfcfcfcfcfcfcfcfcfcfcfcfcfcfcfcececececececececececececececececece"
    "cecececececececececececececebabababababababababababababababababababababababababababababababa5e5e"
    "5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5eecececececececececececececececececec"
    "ecececececececececececececec";
constexpr std::string_view kHeaderId = "40d775564bb732e17b978accf4608c027fd288c039bf7ba76c99ec578bd950a8";
constexpr std::string_view kRecord1Hex =
    "0100010000000000000002b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b10000000255"
    "c070216182099888ea9322b8bcc9c6a92aea4cc5b866ca417597be342bc40803233d6cf13901fd474a716093beece7ab"
    "b73281bb8c733fb9ee0eedb40ba50f";
constexpr std::string_view kRecord1Hash = "1b539e5b92ec8407ccab703e1f217d392922792392b15981d62b5cbb95cd7171";
constexpr std::string_view kRecord2Hex =
    "02000102000000720001000000000000000200000000b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1"
    "b1b1b1b1b1b1000000048a12b8073ea3b42f187288f6ea1151a641c74e3ad3c4a9e7c4306a01a1bf8a5eb829714fe3f6"
    "1fa731d97254cc4c433be02ad81f9b5ccfbf1b195374b684290b000000720001000000000000000200000000b2b2b2b2"
    "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b200000004b014ae4bf5a5c963b820fa780f2d22b4"
    "7f71752761d0b96ea9faa364170791ae655747751cc257f7f9d8f32e4f92b3b4cf0c6f51f0299a56a2e3491f8ef69c0d"
    "00000000";
constexpr std::string_view kRecord2Hash = "4a3717aab4685885ae1b0d939b1268876f06507507e1f43cb9749c7693aca6cb";
constexpr std::string_view kRecord3Hex =
    "0300010000000000000000c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1b1b1b1b1b1"
    "b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b100000003765ff54964c99542090e38dc5ee28f5a46"
    "92c5bfb3200c1450d8e876ba23ed2947fbf6fdd74a0915ca026d62d08ee9cadbf3e68c9ad393aeba1c595943fea101";
constexpr std::string_view kRecord3Hash = "7f44be12e084266d6b5d9d6674cb629fe6bf121fd09e998183bd998089fa8744";
constexpr std::string_view kRecord4Hex =
    "0400011b1049e7ec8abb73d780c9608ca1e3642d403c3a52677cc36d82a0d265a1faa301000c3500bcbcbcbcbcbcbcbc"
    "bcbcbcbcbcbcbcbcbcbcbcbcbcbcbcbcbcbcbcbcbcbcbcbc00000005004f70656e";
constexpr std::string_view kRecord4Hash = "4a8ab5be1d97733899cf98f99d60da1c789b21370e961ce176e795e82d96b8e6";
constexpr std::string_view kBlock1Hex =
    "0001112e21c5261f6f5e96880ebfbc545a10da8b6fc7813523eead7661225714efe50000000000000000000000000000"
    "0001112e21c5261f6f5e96880ebfbc545a10da8b6fc7813523eead7661225714efe5000000010000018bcfe56be869a9"
    "aeefd24ca8edcdb1834543ef03807f4b0cceb9c34ee7ab96cbc303c1bc69000000000000000000000000000000000000"
    "0000000000000000000000000000a5e088258d853cd45a84452d14efe215140b0388881767539de0df74f381ab955151"
    "515151515151515151515151515151515151515151515151515151515151cbe0b6c349615fcdd797d02ec194d9d3d61f"
    "0efb9a86306e987e80e37528fa9e0000000001000100000001000000000000000100000000000003e800000001010000"
    "00066c65646765720000000a696e766f6963652d34320000000a616d6f756e743d31303004665b94f333aa600c2923ef"
    "fe65e12fab027624d91d58993a14d8a462b9cd155cb00dd7bd76e047df2f55ac0df912bb486b4f3c43b9dea3580b2f55"
    "4c7ab30a000000020100010000000000000002b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1"
    "b1b1b10000000255c070216182099888ea9322b8bcc9c6a92aea4cc5b866ca417597be342bc40803233d6cf13901fd47"
    "4a716093beece7abb73281bb8c733fb9ee0eedb40ba50f0400011b1049e7ec8abb73d780c9608ca1e3642d403c3a5267"
    "7cc36d82a0d265a1faa301000c3500bcbcbcbcbcbcbcbcbcbcbcbcbcbcbcbcbcbcbcbcbcbcbcbcbcbcbcbcbcbcbcbc00"
    "000005004f70656e";
constexpr std::string_view kBlock1Id = "f57e99c4c07b9f4f3070645ba34a326ac45b7af8ddea091aa172f6b15a2a4eba";
constexpr std::string_view kBlock2Hex =
    "0001112e21c5261f6f5e96880ebfbc545a10da8b6fc7813523eead7661225714efe50000000000000000000000000000"
    "0002f57e99c4c07b9f4f3070645ba34a326ac45b7af8ddea091aa172f6b15a2a4eba000000020000018bcfe56fd069a9"
    "aeefd24ca8edcdb1834543ef03807f4b0cceb9c34ee7ab96cbc303c1bc69d05656ad17b2fe77849b3b3921eb46ca510e"
    "d6144aab1f476349a3bcf7764670207a9aaaebfe3cdb278f8083c9230a8a7661c19a61b4c4d3b61317e4c2e571255252"
    "525252525252525252525252525252525252525252525252525252525252e3b0c44298fc1c149afbf4c8996fb92427ae"
    "41e4649b934ca495991b7852b855010001000000000000000100000000f57e99c4c07b9f4f3070645ba34a326ac45b7a"
    "f8ddea091aa172f6b15a2a4eba00000003000000015710bf7e4cb71bc85263b8b3e7250d441d3a3b6c8f23e81beaa99e"
    "0701c6086f6bd96865d9d83ee5d130d093f790dda93422a8cb22a50d373fc874fe7ed5640100000002159dec388dc3cc"
    "68ae668dd6c2f9d756336a67e783500ee8493eeb1202a01b2d296ef6e20d4d5bef404b074edc454a07d6ab7c92312a15"
    "02892c5f0eef81150c0000000371df876a51879d992e5678f3fb435efeb1e82af9b49bf0d9fc62a71693aa9247004559"
    "29b6d4642b666d7de8e939e02c885a39eb9c3e8863ca820fac0d1cf80100000001000100000002000000000000000100"
    "000000000003e80000000101000000066c65646765720000000a696e766f6963652d34320000000a616d6f756e743d31"
    "303010e7c30b576642818dfe43a85141890f1e9021b437009bc30158da85778a3fad69d0267c9745e4a2f524fea15285"
    "1f4b986d256c17fa166f1c56c9f594fd590400000000";
constexpr std::string_view kBlock2Id = "59779df275d1fcac57f7e8f37cb7f0e700cc81f42b401ab3dce2a136bb599a3b";
constexpr std::string_view kProposalHex =
    "0001000000000000000100000001f57e99c4c07b9f4f3070645ba34a326ac45b7af8ddea091aa172f6b15a2a4eba1b3f"
    "32058d002a706759b10d04a37208ac2198e3e5be14d61674db5ae2b653fb000000021aa708f09c7bb9f1e241d90eab71"
    "aeac8e92cc66ca83d07ff245b901f858bf6b25c0eba17da03b18f06c830d644ccaa3388bad67fc388bf58500d80a84f0"
    "240a0001112e21c5261f6f5e96880ebfbc545a10da8b6fc7813523eead7661225714efe5000000000000000000000000"
    "00000001112e21c5261f6f5e96880ebfbc545a10da8b6fc7813523eead7661225714efe5000000010000018bcfe56be8"
    "69a9aeefd24ca8edcdb1834543ef03807f4b0cceb9c34ee7ab96cbc303c1bc6900000000000000000000000000000000"
    "00000000000000000000000000000000a5e088258d853cd45a84452d14efe215140b0388881767539de0df74f381ab95"
    "5151515151515151515151515151515151515151515151515151515151515151cbe0b6c349615fcdd797d02ec194d9d3"
    "d61f0efb9a86306e987e80e37528fa9e0000000001000100000001000000000000000100000000000003e80000000101"
    "000000066c65646765720000000a696e766f6963652d34320000000a616d6f756e743d31303004665b94f333aa600c29"
    "23effe65e12fab027624d91d58993a14d8a462b9cd155cb00dd7bd76e047df2f55ac0df912bb486b4f3c43b9dea3580b"
    "2f554c7ab30a000000020100010000000000000002b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1"
    "b1b1b1b1b10000000255c070216182099888ea9322b8bcc9c6a92aea4cc5b866ca417597be342bc40803233d6cf13901"
    "fd474a716093beece7abb73281bb8c733fb9ee0eedb40ba50f0400011b1049e7ec8abb73d780c9608ca1e3642d403c3a"
    "52677cc36d82a0d265a1faa301000c3500bcbcbcbcbcbcbcbcbcbcbcbcbcbcbcbcbcbcbcbcbcbcbcbcbcbcbcbcbcbcbc"
    "bc00000005004f70656e000000010001000000000000000100000001010001000000000000000100000000b1b1b1b1b1"
    "b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b100000003834ed492fea77e131ee8793ba90a5a5ca6"
    "6ef9d466e1b89624a3f23ca73f90e3eac27356e178408a23263fc33dd2097029d89cd8291fe5d72bc4a284d061770500"
    "01000000000000000100000000b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b10b0db2"
    "5a802c7969aac3adc5ac297fb5bb56417fbb5de1ad18e890a2e1688b600000000116e0498d022120a7568355f28b84b3"
    "b49da40d738bc90b61c4b1dd2423ffe94d3df3c03d498fe38f3d3cefa6ec59aad352713a316c35841b0c1695a21fa162"
    "0c00000003b1463007ebc3faba95f0087031c08aba09d7bb1bd4b4cb7aeef76adcc06108eb7723428341713034d4b716"
    "2c49f0f7b129f89658718639866690e453cf8ea20f";
constexpr std::string_view kProposalJustificationHash =
    "1b3f32058d002a706759b10d04a37208ac2198e3e5be14d61674db5ae2b653fb";
constexpr std::string_view kEmptyJustificationHash =
    "0b0db25a802c7969aac3adc5ac297fb5bb56417fbb5de1ad18e890a2e1688b60";
constexpr std::string_view kTxBatchSignBytes =
    "0a504442312f6261746368112e21c5261f6f5e96880ebfbc545a10da8b6fc7813523eead7661225714efe50001000000"
    "01000000000000000100000000000003e80000000101000000066c65646765720000000a696e766f6963652d34320000"
    "000a616d6f756e743d313030";
constexpr std::string_view kProposalCoreSignBytes =
    "0d504442312f70726f706f73616c112e21c5261f6f5e96880ebfbc545a10da8b6fc7813523eead7661225714efe50001"
    "000000000000000200000000b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b10b0db25a"
    "802c7969aac3adc5ac297fb5bb56417fbb5de1ad18e890a2e1688b6000000001";
constexpr std::string_view kVoteSignBytes =
    "09504442312f766f7465112e21c5261f6f5e96880ebfbc545a10da8b6fc7813523eead7661225714efe5000100000000"
    "0000000200000000b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b100000002";
constexpr std::string_view kRoundChangeSignBytes =
    "07504442312f7263112e21c5261f6f5e96880ebfbc545a10da8b6fc7813523eead7661225714efe50001000000000000"
    "0002000000010000000002";
constexpr std::string_view kSealSignBytes =
    "09504442312f7365616c112e21c5261f6f5e96880ebfbc545a10da8b6fc7813523eead7661225714efe5000100000000"
    "00000002b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b100000002";
constexpr std::string_view kConfigApproveSignBytes =
    "0c504442312f617070726f7665112e21c5261f6f5e96880ebfbc545a10da8b6fc7813523eead7661225714efe5000100"
    "00000000000000c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1b1b1b1b1b1b1b1b1b1"
    "b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b100000003";

// Decodes the pinned hex, checks it equals the sample, and checks the sample encodes to the same hex.
// Returns the value decoded from the hex (a default value on failure), for the hash checks.
template <class T>
T FromGolden(std::string_view hex, const T& sample) {
  EXPECT_EQ(Hex(codec::Encode(sample)), hex) << "the encoding of the sample changed";
  auto bytes = FromHex(hex);
  if (!bytes.ok()) {
    ADD_FAILURE() << "pinned hex is not hex";
    return T{};
  }
  auto decoded = codec::Decode<T>(*bytes);
  if (!decoded.ok()) {
    ADD_FAILURE() << "pinned bytes no longer decode: " << decoded.error().ToString();
    return T{};
  }
  EXPECT_TRUE(*decoded == sample) << "pinned bytes decode to another value";
  return std::move(decoded).value();
}

TEST(GoldenVector, Member) { FromGolden(kMemberHex, samples::MakeMember(1)); }

TEST(GoldenVector, Rule) { FromGolden(kRuleHex, samples::MakeRule()); }

TEST(GoldenVector, ParamsWithSpecDefaults) { FromGolden(kParamsHex, samples::MakeParams()); }

TEST(GoldenVector, ConfigAndConfigHash) {
  const Config c = FromGolden(kConfigHex, samples::MakeConfig());
  EXPECT_EQ(Hex(ConfigHash(c)), kConfigHash);
}

TEST(GoldenVector, GenesisAndChainId) {
  const Genesis g = FromGolden(kGenesisHex, samples::MakeGenesis());
  EXPECT_EQ(Hex(ChainId(g)), kChainId);
}

TEST(GoldenVector, Op) { FromGolden(kOpHex, samples::MakeOp()); }

TEST(GoldenVector, TxBatchAndBatchId) {
  const TxBatch b = FromGolden(kTxBatchHex, samples::MakeBatch());
  EXPECT_EQ(Hex(BatchId(b)), kTxBatchId);
}

TEST(GoldenVector, ProposalCore) { FromGolden(kProposalCoreHex, samples::MakeProposalCore()); }

TEST(GoldenVector, Vote) { FromGolden(kVoteHex, samples::MakeVote()); }

TEST(GoldenVector, LastVote) { FromGolden(kLastVoteHex, samples::MakeLastVote()); }

TEST(GoldenVector, RoundChangeWithLastVote) { FromGolden(kRoundChangeHex, samples::MakeRoundChange()); }

TEST(GoldenVector, RoundChangeWithoutLastVote) {
  FromGolden(kRoundChangeNoVoteHex, samples::MakeRoundChange(2, 2, 1, /*with_last_vote=*/false));
}

TEST(GoldenVector, Seal) { FromGolden(kSealHex, samples::MakeSeal()); }

TEST(GoldenVector, SigEntry) { FromGolden(kSigEntryHex, samples::MakeSigEntry()); }

TEST(GoldenVector, MajorityCertAndHash) {
  const MajorityCert mc = FromGolden(kMajorityCertHex, samples::MakeMajorityCert(1, 0, Filled(0xb1), {1, 2, 3}));
  EXPECT_EQ(Hex(MajorityCertHash(mc)), kMajorityCertHash);
}

TEST(GoldenVector, CheckpointAndDigest) {
  const Checkpoint cp = FromGolden(kCheckpointHex, samples::MakeCheckpoint(2, Filled(0xb1), {1, 2, 3, 4}));
  EXPECT_EQ(Hex(CheckpointDigest(cp)), kCheckpointDigest);
}

TEST(GoldenVector, ConfigApprove) { FromGolden(kConfigApproveHex, samples::MakeConfigApprove()); }

TEST(GoldenVector, Evidence) { FromGolden(kEvidenceHex, samples::MakeEvidence()); }

TEST(GoldenVector, AnchorRecord) { FromGolden(kAnchorRecordHex, samples::MakeAnchorRecord()); }

TEST(GoldenVector, HeaderAndBlockId) {
  const Header h = FromGolden(kHeaderHex, samples::MakeHeader());
  EXPECT_EQ(Hex(BlockId(h)), kHeaderId);
}

TEST(GoldenVector, RecordSealAndRecordHash) {
  const Record r = FromGolden(kRecord1Hex, samples::MakeRecord(RecordTag::kSeal));
  EXPECT_EQ(r.tag(), RecordTag::kSeal);
  EXPECT_EQ(Hex(TaggedHash(tag::kRecord, r)), kRecord1Hash);
}

TEST(GoldenVector, RecordEvidenceAndRecordHash) {
  const Record r = FromGolden(kRecord2Hex, samples::MakeRecord(RecordTag::kEvidence));
  EXPECT_EQ(r.tag(), RecordTag::kEvidence);
  EXPECT_EQ(Hex(TaggedHash(tag::kRecord, r)), kRecord2Hash);
}

TEST(GoldenVector, RecordConfigApproveAndRecordHash) {
  const Record r = FromGolden(kRecord3Hex, samples::MakeRecord(RecordTag::kConfigApprove));
  EXPECT_EQ(r.tag(), RecordTag::kConfigApprove);
  EXPECT_EQ(Hex(TaggedHash(tag::kRecord, r)), kRecord3Hash);
}

TEST(GoldenVector, RecordAnchorAndRecordHash) {
  const Record r = FromGolden(kRecord4Hex, samples::MakeRecord(RecordTag::kAnchor));
  EXPECT_EQ(r.tag(), RecordTag::kAnchor);
  EXPECT_EQ(Hex(TaggedHash(tag::kRecord, r)), kRecord4Hash);
}

TEST(GoldenVector, BlockAtHeightOneAndBlockId) {
  const Block b = FromGolden(kBlock1Hex, samples::MakeBlock1());
  EXPECT_EQ(Hex(BlockId(b.header)), kBlock1Id);
}

TEST(GoldenVector, BlockWithParentCertAndBlockId) {
  const Block b = FromGolden(kBlock2Hex, samples::MakeBlock2(samples::MakeBlock1()));
  EXPECT_EQ(Hex(BlockId(b.header)), kBlock2Id);
}

TEST(GoldenVector, ProposalAndJustificationHash) {
  const Proposal p = FromGolden(kProposalHex, samples::MakeProposal());
  EXPECT_EQ(Hex(JustificationHash(p.justification)), kProposalJustificationHash);
  EXPECT_EQ(p.core.justification_hash, JustificationHash(p.justification));
  EXPECT_EQ(Hex(BlockId(p.block.header)), kBlock1Id);
}

TEST(GoldenVector, EmptyJustificationHashesItsZeroCount) {
  EXPECT_EQ(Hex(JustificationHash({})), kEmptyJustificationHash);
}

// SB(tag, m) = u8 len(tag) || tag || chain_id || PCE(m without sig), for one message of each signed type.
TEST(GoldenSignBytes, TxBatch) {
  EXPECT_EQ(Hex(SignBytes(samples::ChainIdOfSample(), samples::MakeBatch())), kTxBatchSignBytes);
}

TEST(GoldenSignBytes, ProposalCore) {
  EXPECT_EQ(Hex(SignBytes(samples::ChainIdOfSample(), samples::MakeProposalCore())), kProposalCoreSignBytes);
}

TEST(GoldenSignBytes, Vote) {
  EXPECT_EQ(Hex(SignBytes(samples::ChainIdOfSample(), samples::MakeVote())), kVoteSignBytes);
}

TEST(GoldenSignBytes, RoundChange) {
  EXPECT_EQ(Hex(SignBytes(samples::ChainIdOfSample(), samples::MakeRoundChange(2, 2, 1, false))),
            kRoundChangeSignBytes);
}

TEST(GoldenSignBytes, Seal) {
  EXPECT_EQ(Hex(SignBytes(samples::ChainIdOfSample(), samples::MakeSeal())), kSealSignBytes);
}

TEST(GoldenSignBytes, ConfigApprove) {
  EXPECT_EQ(Hex(SignBytes(samples::ChainIdOfSample(), samples::MakeConfigApprove())), kConfigApproveSignBytes);
}

// The signatures inside the pinned bytes verify under the signer's key: Ed25519 is deterministic, so
// they are part of the vectors, and a change to sign-bytes would show up here as well.
TEST(GoldenSignBytes, PinnedSignaturesVerify) {
  const Hash32 chain = samples::ChainIdOfSample();
  auto key = [](MemberId id) { return samples::Key(id).public_key(); };
  auto decode = [](std::string_view hex, auto type_tag) {
    using T = decltype(type_tag);
    auto bytes = FromHex(hex);
    auto value = bytes.ok() ? codec::Decode<T>(*bytes) : Result<T>(bytes.error());
    EXPECT_TRUE(value.ok()) << hex;
    return value.ok() ? *value : T{};
  };
  EXPECT_TRUE(VerifySignedBy(key(1), chain, decode(kTxBatchHex, TxBatch{})));
  EXPECT_TRUE(VerifySignedBy(key(1), chain, decode(kProposalCoreHex, ProposalCore{})));
  EXPECT_TRUE(VerifySignedBy(key(2), chain, decode(kVoteHex, Vote{})));
  EXPECT_TRUE(VerifySignedBy(key(3), chain, decode(kRoundChangeHex, RoundChange{})));
  EXPECT_TRUE(VerifySignedBy(key(2), chain, decode(kSealHex, Seal{})));
  EXPECT_TRUE(VerifySignedBy(key(3), chain, decode(kConfigApproveHex, ConfigApprove{})));
}

}  // namespace
}  // namespace peerdb::chain
