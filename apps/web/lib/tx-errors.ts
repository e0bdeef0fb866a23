// The revert → sentence decoding is shared with the renter CLI and @gridlease/client: it lives in the SDK.
export { describeTxError, isContractError } from "@gridlease/sdk/tx-errors";
