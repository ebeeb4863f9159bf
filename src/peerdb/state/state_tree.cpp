#include "peerdb/state/state_tree.h"
