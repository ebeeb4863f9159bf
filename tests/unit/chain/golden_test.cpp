// Golden vectors for every PCE-encoded chain type (PROTOCOL.md §1.1–§1.8): the exact bytes of a fixed
// sample, hex in -> decode -> tagged hash out, and encode -> the same hex. Any change to a field, its
// order or width, a hash tag or a sign tag breaks these on purpose: such a change forks the chain and
// needs a version bump, never a silent re-pin. (Re-pinned once, with batch version 2 = chain format 2:
// ops carry a salt and commit to their values; see the value-commitment vectors below.)
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
    "01000000066c65646765720000000a696e766f6963652d3432015a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a0000000a616d"
    "6f756e743d313030";
constexpr std::string_view kTxBatchHex =
    "000200000001000000000000000100000000000003e80000000101000000066c65646765720000000a696e766f696365"
    "2d3432015a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a0000000a616d6f756e743d3130300aa17c7cfdb13a5b10da961f5356"
    "5d2ac24f802b5929ad92295e27e565c3720e817e5532ed2a44dbdf9d766d999b17656127ffe0826b4509bd777e74bb56"
    "8007";
constexpr std::string_view kTxBatchId = "38258d45654fedf72f96fdc6b2ff4ea0e8a415f4f52b28d7a8ec789a6eab0500";
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
    "0000000000000000000000000000c4fbbf1089899cce84e7c82ba335a6e795aa08ad8fae5d93450acbda9a21ffe95151"
    "515151515151515151515151515151515151515151515151515151515151cbe0b6c349615fcdd797d02ec194d9d3d61f"
    "0efb9a86306e987e80e37528fa9e0000000001000200000001000000000000000100000000000003e800000001010000"
    "00066c65646765720000000a696e766f6963652d3432015a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a0000000a616d6f756e"
    "743d3130300aa17c7cfdb13a5b10da961f53565d2ac24f802b5929ad92295e27e565c3720e817e5532ed2a44dbdf9d76"
    "6d999b17656127ffe0826b4509bd777e74bb568007000000020100010000000000000002b1b1b1b1b1b1b1b1b1b1b1b1"
    "b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b10000000255c070216182099888ea9322b8bcc9c6a92aea4cc5b866ca"
    "417597be342bc40803233d6cf13901fd474a716093beece7abb73281bb8c733fb9ee0eedb40ba50f0400011b1049e7ec"
    "8abb73d780c9608ca1e3642d403c3a52677cc36d82a0d265a1faa301000c3500bcbcbcbcbcbcbcbcbcbcbcbcbcbcbcbc"
    "bcbcbcbcbcbcbcbcbcbcbcbcbcbcbcbc00000005004f70656e";
constexpr std::string_view kBlock1Id = "b368a932b371b3ce9c768a6149ab324be979d8aaf0f72fff9342f790841f92f1";
constexpr std::string_view kBlock2Hex =
    "0001112e21c5261f6f5e96880ebfbc545a10da8b6fc7813523eead7661225714efe50000000000000000000000000000"
    "0002b368a932b371b3ce9c768a6149ab324be979d8aaf0f72fff9342f790841f92f1000000020000018bcfe56fd069a9"
    "aeefd24ca8edcdb1834543ef03807f4b0cceb9c34ee7ab96cbc303c1bc691f947b9ea8cf320fe44ff6127c6bcb374bde"
    "171cf959e1230e8489b0d4fb39ed1c4cabcf20fc57ca295b86e7520a7caf91a769acebcb8119a6bb0cd53a06441d5252"
    "525252525252525252525252525252525252525252525252525252525252e3b0c44298fc1c149afbf4c8996fb92427ae"
    "41e4649b934ca495991b7852b855010001000000000000000100000000b368a932b371b3ce9c768a6149ab324be979d8"
    "aaf0f72fff9342f790841f92f1000000030000000155532d46e982443907a1824dd14a3c00c680003d2f5183a9626d69"
    "485190ea020a0645b4e3721dae27086916b221790082a1974413bc7b08d12537f3f1dc5106000000027a03aaadcae01e"
    "c0506b5ba43d13c7320022e83d803a627e7cdb888f97777112837b2fc2abae7a4addd54ba1688af212a7689227742439"
    "4aa70bf63eddcdf40c000000033a090a83d6fdedee6fa157f56983dd28dfaf7e9e72f21b2794da08e5675044313df6e9"
    "65d62d8ef08498b42db86092fba29b07163a64a6a71e83e97935f8790700000001000200000002000000000000000100"
    "000000000003e80000000101000000066c65646765720000000a696e766f6963652d3432015a5a5a5a5a5a5a5a5a5a5a"
    "5a5a5a5a5a0000000a616d6f756e743d3130304b05b25bf309181ded314958e8508967bc206b2113f8876c77af635827"
    "5efb0b36cf541d32cd2eac5d314b12f5132f5f9109f4b17d3d34a9e74982bfd99c3a0300000000";
constexpr std::string_view kBlock2Id = "374df1c2c87e82600b2ffe93d1d1f2ef098885fa58849466e79465abb10d52bc";
constexpr std::string_view kProposalHex =
    "0001000000000000000100000001b368a932b371b3ce9c768a6149ab324be979d8aaf0f72fff9342f790841f92f11b3f"
    "32058d002a706759b10d04a37208ac2198e3e5be14d61674db5ae2b653fb0000000223ed0f856cff29660e2eb147c83d"
    "53d221d5ea5baa86d125037313f8db50e27b911bf05a368cd5e34fb01abb10b6b12973bd2e6e3ef204720c236c93dc6d"
    "ee070001112e21c5261f6f5e96880ebfbc545a10da8b6fc7813523eead7661225714efe5000000000000000000000000"
    "00000001112e21c5261f6f5e96880ebfbc545a10da8b6fc7813523eead7661225714efe5000000010000018bcfe56be8"
    "69a9aeefd24ca8edcdb1834543ef03807f4b0cceb9c34ee7ab96cbc303c1bc6900000000000000000000000000000000"
    "00000000000000000000000000000000c4fbbf1089899cce84e7c82ba335a6e795aa08ad8fae5d93450acbda9a21ffe9"
    "5151515151515151515151515151515151515151515151515151515151515151cbe0b6c349615fcdd797d02ec194d9d3"
    "d61f0efb9a86306e987e80e37528fa9e0000000001000200000001000000000000000100000000000003e80000000101"
    "000000066c65646765720000000a696e766f6963652d3432015a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a0000000a616d6f"
    "756e743d3130300aa17c7cfdb13a5b10da961f53565d2ac24f802b5929ad92295e27e565c3720e817e5532ed2a44dbdf"
    "9d766d999b17656127ffe0826b4509bd777e74bb568007000000020100010000000000000002b1b1b1b1b1b1b1b1b1b1"
    "b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b10000000255c070216182099888ea9322b8bcc9c6a92aea4cc5b8"
    "66ca417597be342bc40803233d6cf13901fd474a716093beece7abb73281bb8c733fb9ee0eedb40ba50f0400011b1049"
    "e7ec8abb73d780c9608ca1e3642d403c3a52677cc36d82a0d265a1faa301000c3500bcbcbcbcbcbcbcbcbcbcbcbcbcbc"
    "bcbcbcbcbcbcbcbcbcbcbcbcbcbcbcbcbcbc00000005004f70656e000000010001000000000000000100000001010001"
    "000000000000000100000000b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b100000003"
    "834ed492fea77e131ee8793ba90a5a5ca66ef9d466e1b89624a3f23ca73f90e3eac27356e178408a23263fc33dd20970"
    "29d89cd8291fe5d72bc4a284d06177050001000000000000000100000000b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1"
    "b1b1b1b1b1b1b1b1b1b1b1b1b1b10b0db25a802c7969aac3adc5ac297fb5bb56417fbb5de1ad18e890a2e1688b600000"
    "000116e0498d022120a7568355f28b84b3b49da40d738bc90b61c4b1dd2423ffe94d3df3c03d498fe38f3d3cefa6ec59"
    "aad352713a316c35841b0c1695a21fa1620c00000003b1463007ebc3faba95f0087031c08aba09d7bb1bd4b4cb7aeef7"
    "6adcc06108eb7723428341713034d4b7162c49f0f7b129f89658718639866690e453cf8ea20f";
constexpr std::string_view kProposalJustificationHash = "1b3f32058d002a706759b10d04a37208ac2198e3e5be14d61674db5ae2b653fb";
constexpr std::string_view kEmptyJustificationHash =
    "0b0db25a802c7969aac3adc5ac297fb5bb56417fbb5de1ad18e890a2e1688b60";
constexpr std::string_view kTxBatchSignBytes =
    "0a504442312f6261746368112e21c5261f6f5e96880ebfbc545a10da8b6fc7813523eead7661225714efe50002000000"
    "01000000000000000100000000000003e80000000101000000066c65646765720000000a696e766f6963652d34328def"
    "96c25c58096079aec86889a6f51fa7090dc0bf2baa2be0dc72af50d5674e";
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

// Computed independently (Python hashlib) from the sample op: salt 16 x 0x5a, value "amount=100".
constexpr std::string_view kValueCommitment = "8def96c25c58096079aec86889a6f51fa7090dc0bf2baa2be0dc72af50d5674e";
constexpr std::string_view kErasedOpHex =
    "01000000066c65646765720000000a696e766f6963652d3432008def96c25c58096079aec86889a6f51fa7090dc0bf2baa2be0dc72af50d5674e";
constexpr std::string_view kCommittedOpHex =
    "01000000066c65646765720000000a696e766f6963652d34328def96c25c58096079aec86889a6f51fa7090dc0bf2baa2be0dc72af50d5674e";

TEST(GoldenVector, ValueCommitmentErasedAndCommittedForms) {
  Op op = samples::MakeOp();
  EXPECT_EQ(Hex(ValueCommitment(op)), kValueCommitment);
  EXPECT_EQ(Hex(codec::EncodeCommitted(op)), kCommittedOpHex);
  EraseValue(op);
  EXPECT_EQ(Hex(codec::Encode(op)), kErasedOpHex);
  EXPECT_EQ(Hex(codec::EncodeCommitted(op)), kCommittedOpHex);
  FromGolden(kErasedOpHex, op);
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
