// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title Gridlease provider registry
/// @notice Providers stake the payment token, publish an X25519 key and list GPU offers.
///         The lease escrow reserves and releases offer capacity and slashes stake.
interface IProviderRegistry {
    enum ProviderStatus {
        None,
        Active,
        Exited
    }

    enum OfferStatus {
        None,
        Active,
        Paused,
        Delisted
    }

    /// @notice Hardware and pricing of an offer. Short strings are ASCII, right-padded bytes32.
    struct OfferSpec {
        bytes32 gpuModel;
        uint16 gpuCount;
        uint16 vramGb;
        uint16 cpuCores;
        uint32 ramGb;
        uint32 diskGb;
        uint32 bandwidthMbps;
        bytes32 region;
        uint256 pricePerGpuHour;
        uint32 minHours;
        uint32 maxHours;
    }

    /// @dev The first slot (stake, pending unstake, open leases, status) is all a booking touches.
    struct Provider {
        uint96 stake;
        uint96 pendingUnstake;
        uint32 openLeases;
        ProviderStatus status;
        uint64 unstakeAvailableAt;
        uint64 registeredAt;
        bytes32 encryptionKey;
        string metadataURI;
    }

    struct Offer {
        OfferSpec spec;
        address provider;
        OfferStatus status;
        uint16 reservedUnits;
        uint64 createdAt;
    }

    /// @notice What the escrow needs to price a booking, returned by `reserveUnits`.
    struct Reservation {
        address provider;
        uint256 pricePerGpuHour;
        uint32 minHours;
        uint32 maxHours;
    }

    error NotEscrow(address caller);
    error AlreadyRegistered(address provider);
    error NotRegistered(address provider);
    error StakeBelowMinimum(uint256 stake, uint256 minStake);
    error ZeroAmount();
    error ZeroAddress();
    error EmptyEncryptionKey();
    error UnsupportedToken(address token, uint256 expected, uint256 received);
    error UnstakeExceedsStake(uint256 requested, uint256 available);
    error NoPendingUnstake(address provider);
    error UnstakeCooldownActive(uint64 availableAt, uint64 nowTime);
    error OpenLeasesBlockWithdrawal(address provider, uint32 openLeases);
    error InvalidOfferSpec(string reason);
    error PriceTooHigh(uint256 price, uint256 max);
    error UnknownOffer(uint256 offerId);
    error NotOfferOwner(uint256 offerId, address caller);
    error OfferNotActive(uint256 offerId, OfferStatus status);
    error OfferNotPaused(uint256 offerId, OfferStatus status);
    error OfferDelistedAlready(uint256 offerId);
    error InsufficientUnits(uint256 offerId, uint16 requested, uint16 free);
    error UnitsUnderflow(uint256 offerId, uint16 released, uint16 reserved);
    error ProviderNotBookable(address provider);
    error NoOpenLeases(address provider);
    error CooldownTooLong(uint64 cooldown, uint64 max);

    event ProviderRegistered(address indexed provider, uint256 stake, bytes32 encryptionKey, string metadataURI);
    event ProviderUpdated(address indexed provider, bytes32 encryptionKey, string metadataURI);
    event StakeAdded(address indexed provider, uint256 amount, uint256 totalStake);
    event UnstakeRequested(address indexed provider, uint256 amount, uint64 availableAt);
    event StakeWithdrawn(address indexed provider, uint256 amount, uint256 totalStake);
    event ProviderSlashed(address indexed provider, uint256 amount, address indexed recipient, uint256 totalStake);
    event OfferListed(uint256 indexed offerId, address indexed provider, OfferSpec spec);
    event OfferPriceUpdated(uint256 indexed offerId, uint256 oldPricePerGpuHour, uint256 newPricePerGpuHour);
    event OfferPaused(uint256 indexed offerId);
    event OfferResumed(uint256 indexed offerId);
    event OfferDelisted(uint256 indexed offerId);
    event UnitsReserved(uint256 indexed offerId, uint16 units, uint16 freeUnits);
    event UnitsReleased(uint256 indexed offerId, uint16 units, uint16 freeUnits);
    event MinStakeUpdated(uint256 oldMinStake, uint256 newMinStake);
    event UnstakeCooldownUpdated(uint64 oldCooldown, uint64 newCooldown);
    event EscrowUpdated(address oldEscrow, address newEscrow);
    event UnstakeCancelled(address indexed provider, uint256 amount);

    /// @notice Registers the caller as a provider, pulling `stake` (at least `minStake`).
    function register(uint256 stake, bytes32 encryptionKey, string calldata metadataURI) external;

    /// @notice `register` with an EIP-2612 permit for the stake, in one transaction.
    function registerWithPermit(
        uint256 stake,
        bytes32 encryptionKey,
        string calldata metadataURI,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external;

    /// @notice Replaces the provider's encryption key and metadata URI.
    function updateProvider(bytes32 encryptionKey, string calldata metadataURI) external;

    /// @notice Adds stake for the caller.
    function addStake(uint256 amount) external;

    /// @notice Starts the unstake cooldown for `amount`; it stays slashable until withdrawn.
    function requestUnstake(uint256 amount) external;

    /// @notice Withdraws the pending unstake after the cooldown. Going below `minStake` needs zero open leases.
    function withdrawStake() external;

    /// @notice `withdrawStake` paid to another address (L-2: a blocklisted provider can still recover its stake).
    function withdrawStakeTo(address to) external;

    /// @notice Cancels a pending unstake request: the amount counts as bookable stake again.
    function cancelUnstake() external;

    /// @notice Lists a new offer; ids start at 1.
    function listOffer(OfferSpec calldata spec) external returns (uint256 offerId);

    /// @notice Changes the price of future bookings; running leases keep their price.
    function updatePrice(uint256 offerId, uint256 newPricePerGpuHour) external;

    function pauseOffer(uint256 offerId) external;

    function resumeOffer(uint256 offerId) external;

    /// @notice Delists an offer for good; running leases are unaffected.
    function delistOffer(uint256 offerId) external;

    /// @notice Escrow only: reserves `units` of an active offer and counts an open lease for its provider.
    function reserveUnits(uint256 offerId, uint16 units) external returns (Reservation memory reservation);

    /// @notice Any escrow ever wired (current or retired, M-2): releases `units` of an offer and closes one
    ///         open lease of its provider. A retired escrow keeps this right so its open leases can close.
    function releaseUnits(uint256 offerId, uint16 units) external;

    /// @notice Any escrow ever wired (current or retired): takes up to `amount` of stake and sends it to the escrow, on behalf of `recipient`.
    /// @return slashed the amount actually taken (bounded by the stake)
    function slash(address provider, uint256 amount, address recipient) external returns (uint256 slashed);

    function getProvider(address provider) external view returns (Provider memory);

    function getOffer(uint256 offerId) external view returns (Offer memory);

    function freeUnits(uint256 offerId) external view returns (uint16);

    /// @notice The provider who listed `offerId` (zero for an unknown offer); cheaper than `getOffer`.
    function offerProvider(uint256 offerId) external view returns (address);

    function nextOfferId() external view returns (uint256);

    function minStake() external view returns (uint256);

    function unstakeCooldown() external view returns (uint64);

    function stakeToken() external view returns (address);

    function escrow() external view returns (address);

    /// @notice Whether `account` is or was the escrow (retired escrows may still release and slash).
    function isEscrow(address account) external view returns (bool);
}
