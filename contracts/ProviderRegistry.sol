// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {AccessControlDefaultAdminRules} from
    "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IProviderRegistry} from "./interfaces/IProviderRegistry.sol";

/// @title ProviderRegistry
/// @notice Provider stakes and GPU offers. Capacity is a reserved-unit counter per offer so that
///         booking and releasing never loop over leases.
contract ProviderRegistry is IProviderRegistry, AccessControlDefaultAdminRules, Pausable, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;

    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");
    uint64 public constant MAX_UNSTAKE_COOLDOWN = 90 days;

    /// @dev Offer storage is packed so that `reserveUnits` reads two slots: the first holds what
    ///      changes (status, reserved units), the second what pricing needs.
    struct StoredOffer {
        // slot 0
        address provider;
        OfferStatus status;
        uint16 reservedUnits;
        uint16 gpuCount;
        uint64 createdAt;
        // slot 1
        uint96 pricePerGpuHour;
        uint32 minHours;
        uint32 maxHours;
        uint16 vramGb;
        uint16 cpuCores;
        uint32 ramGb;
        uint32 diskGb;
        // slot 2
        uint32 bandwidthMbps;
        // slots 3, 4
        bytes32 gpuModel;
        bytes32 region;
    }

    IERC20 private immutable _stakeToken;
    // Both read by every booking: one slot.
    address public escrow;
    uint96 private _minStake;
    uint64 public unstakeCooldown;
    uint256 public nextOfferId = 1;

    mapping(address provider => Provider) private _providers;
    mapping(uint256 offerId => StoredOffer) private _offers;
    /// @dev Every escrow ever wired. Only the current one reserves; all of them may release and slash,
    ///      so that rewiring can never strand the open leases of a retired escrow (M-2).
    mapping(address account => bool) public isEscrow;

    modifier onlyEscrow() {
        if (msg.sender != escrow) revert NotEscrow(msg.sender);
        _;
    }

    modifier onlyAnyEscrow() {
        if (!isEscrow[msg.sender]) revert NotEscrow(msg.sender);
        _;
    }

    constructor(IERC20 stakeToken_, uint256 minStake_, uint64 unstakeCooldown_, address admin, uint48 adminDelay)
        AccessControlDefaultAdminRules(adminDelay, admin)
    {
        if (address(stakeToken_) == address(0)) revert ZeroAddress();
        if (minStake_ == 0) revert ZeroAmount();
        if (unstakeCooldown_ > MAX_UNSTAKE_COOLDOWN) revert CooldownTooLong(unstakeCooldown_, MAX_UNSTAKE_COOLDOWN);
        _stakeToken = stakeToken_;
        _minStake = minStake_.toUint96();
        unstakeCooldown = unstakeCooldown_;
        _grantRole(PAUSER_ROLE, admin);
    }

    // ---------------------------------------------------------------- providers

    /// @inheritdoc IProviderRegistry
    function register(uint256 stake, bytes32 encryptionKey, string calldata metadataURI)
        external
        nonReentrant
        whenNotPaused
    {
        _register(stake, encryptionKey, metadataURI);
    }

    /// @inheritdoc IProviderRegistry
    function registerWithPermit(
        uint256 stake,
        bytes32 encryptionKey,
        string calldata metadataURI,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external nonReentrant whenNotPaused {
        _tryPermit(stake, deadline, v, r, s);
        _register(stake, encryptionKey, metadataURI);
    }

    function _register(uint256 stake, bytes32 encryptionKey, string calldata metadataURI) private {
        Provider storage provider = _providers[msg.sender];
        if (provider.status == ProviderStatus.Active) revert AlreadyRegistered(msg.sender);
        if (stake < _minStake) revert StakeBelowMinimum(stake, _minStake);
        if (encryptionKey == bytes32(0)) revert EmptyEncryptionKey();
        _pullStake(stake);
        provider.stake = stake.toUint96();
        provider.pendingUnstake = 0;
        provider.unstakeAvailableAt = 0;
        provider.status = ProviderStatus.Active;
        provider.registeredAt = uint64(block.timestamp);
        provider.encryptionKey = encryptionKey;
        provider.metadataURI = metadataURI;
        emit ProviderRegistered(msg.sender, stake, encryptionKey, metadataURI);
    }

    /// @inheritdoc IProviderRegistry
    function updateProvider(bytes32 encryptionKey, string calldata metadataURI) external {
        Provider storage provider = _activeProvider(msg.sender);
        if (encryptionKey == bytes32(0)) revert EmptyEncryptionKey();
        provider.encryptionKey = encryptionKey;
        provider.metadataURI = metadataURI;
        emit ProviderUpdated(msg.sender, encryptionKey, metadataURI);
    }

    /// @inheritdoc IProviderRegistry
    function addStake(uint256 amount) external nonReentrant {
        Provider storage provider = _activeProvider(msg.sender);
        if (amount == 0) revert ZeroAmount();
        _pullStake(amount);
        uint256 total = provider.stake + amount;
        provider.stake = total.toUint96();
        emit StakeAdded(msg.sender, amount, total);
    }

    /// @inheritdoc IProviderRegistry
    function requestUnstake(uint256 amount) external {
        Provider storage provider = _activeProvider(msg.sender);
        if (amount == 0) revert ZeroAmount();
        uint256 available = provider.stake - provider.pendingUnstake;
        if (amount > available) revert UnstakeExceedsStake(amount, available);
        uint64 availableAt = uint64(block.timestamp) + unstakeCooldown;
        provider.pendingUnstake += uint96(amount);
        provider.unstakeAvailableAt = availableAt;
        emit UnstakeRequested(msg.sender, amount, availableAt);
    }

    /// @inheritdoc IProviderRegistry
    function withdrawStake() external nonReentrant {
        _withdrawStake(msg.sender);
    }

    /// @inheritdoc IProviderRegistry
    function withdrawStakeTo(address to) external nonReentrant {
        if (to == address(0)) revert ZeroAddress();
        _withdrawStake(to);
    }

    /// @inheritdoc IProviderRegistry
    function cancelUnstake() external {
        Provider storage provider = _activeProvider(msg.sender);
        uint256 amount = provider.pendingUnstake;
        if (amount == 0) revert NoPendingUnstake(msg.sender);
        provider.pendingUnstake = 0;
        provider.unstakeAvailableAt = 0;
        emit UnstakeCancelled(msg.sender, amount);
    }

    function _withdrawStake(address to) private {
        Provider storage provider = _activeProvider(msg.sender);
        uint256 amount = provider.pendingUnstake;
        if (amount == 0) revert NoPendingUnstake(msg.sender);
        if (block.timestamp < provider.unstakeAvailableAt) {
            revert UnstakeCooldownActive(provider.unstakeAvailableAt, uint64(block.timestamp));
        }
        uint256 remaining = provider.stake - amount;
        if (remaining < _minStake && provider.openLeases != 0) {
            revert OpenLeasesBlockWithdrawal(msg.sender, provider.openLeases);
        }
        provider.stake = uint96(remaining);
        provider.pendingUnstake = 0;
        provider.unstakeAvailableAt = 0;
        if (remaining == 0) provider.status = ProviderStatus.Exited;
        emit StakeWithdrawn(msg.sender, amount, remaining);
        _stakeToken.safeTransfer(to, amount);
    }

    // ---------------------------------------------------------------- offers

    /// @inheritdoc IProviderRegistry
    function listOffer(OfferSpec calldata spec) external whenNotPaused returns (uint256 offerId) {
        _requireBookableProvider(msg.sender);
        _validateSpec(spec);
        offerId = nextOfferId++;
        StoredOffer storage offer = _offers[offerId];
        offer.provider = msg.sender;
        offer.status = OfferStatus.Active;
        offer.gpuCount = spec.gpuCount;
        offer.createdAt = uint64(block.timestamp);
        offer.pricePerGpuHour = uint96(spec.pricePerGpuHour);
        offer.minHours = spec.minHours;
        offer.maxHours = spec.maxHours;
        offer.vramGb = spec.vramGb;
        offer.cpuCores = spec.cpuCores;
        offer.ramGb = spec.ramGb;
        offer.diskGb = spec.diskGb;
        offer.bandwidthMbps = spec.bandwidthMbps;
        offer.gpuModel = spec.gpuModel;
        offer.region = spec.region;
        emit OfferListed(offerId, msg.sender, spec);
    }

    /// @inheritdoc IProviderRegistry
    function updatePrice(uint256 offerId, uint256 newPricePerGpuHour) external {
        StoredOffer storage offer = _ownedOffer(offerId);
        if (offer.status == OfferStatus.Delisted) revert OfferDelistedAlready(offerId);
        _validatePrice(newPricePerGpuHour);
        uint256 oldPrice = offer.pricePerGpuHour;
        offer.pricePerGpuHour = uint96(newPricePerGpuHour);
        emit OfferPriceUpdated(offerId, oldPrice, newPricePerGpuHour);
    }

    /// @inheritdoc IProviderRegistry
    function pauseOffer(uint256 offerId) external {
        StoredOffer storage offer = _ownedOffer(offerId);
        if (offer.status != OfferStatus.Active) revert OfferNotActive(offerId, offer.status);
        offer.status = OfferStatus.Paused;
        emit OfferPaused(offerId);
    }

    /// @inheritdoc IProviderRegistry
    function resumeOffer(uint256 offerId) external {
        StoredOffer storage offer = _ownedOffer(offerId);
        if (offer.status != OfferStatus.Paused) revert OfferNotPaused(offerId, offer.status);
        offer.status = OfferStatus.Active;
        emit OfferResumed(offerId);
    }

    /// @inheritdoc IProviderRegistry
    function delistOffer(uint256 offerId) external {
        StoredOffer storage offer = _ownedOffer(offerId);
        if (offer.status == OfferStatus.Delisted) revert OfferDelistedAlready(offerId);
        offer.status = OfferStatus.Delisted;
        emit OfferDelisted(offerId);
    }

    // ---------------------------------------------------------------- escrow hooks

    /// @inheritdoc IProviderRegistry
    function reserveUnits(uint256 offerId, uint16 units)
        external
        onlyEscrow
        returns (Reservation memory reservation)
    {
        StoredOffer storage offer = _offers[offerId];
        if (offer.status != OfferStatus.Active) revert OfferNotActive(offerId, offer.status);
        uint16 free = offer.gpuCount - offer.reservedUnits;
        if (units == 0 || units > free) revert InsufficientUnits(offerId, units, free);
        address providerAddress = offer.provider;
        Provider storage provider = _providers[providerAddress];
        if (provider.stake - provider.pendingUnstake < _minStake) revert ProviderNotBookable(providerAddress);
        offer.reservedUnits += units;
        provider.openLeases += 1;
        emit UnitsReserved(offerId, units, free - units);
        reservation = Reservation(providerAddress, offer.pricePerGpuHour, offer.minHours, offer.maxHours);
    }

    /// @inheritdoc IProviderRegistry
    function releaseUnits(uint256 offerId, uint16 units) external onlyAnyEscrow {
        StoredOffer storage offer = _offers[offerId];
        uint16 reserved = offer.reservedUnits;
        if (units > reserved) revert UnitsUnderflow(offerId, units, reserved);
        Provider storage provider = _providers[offer.provider];
        if (provider.openLeases == 0) revert NoOpenLeases(offer.provider);
        offer.reservedUnits = reserved - units;
        provider.openLeases -= 1;
        emit UnitsReleased(offerId, units, offer.gpuCount - (reserved - units));
    }

    /// @inheritdoc IProviderRegistry
    function slash(address providerAddress, uint256 amount, address recipient)
        external
        onlyAnyEscrow
        returns (uint256 slashed)
    {
        Provider storage provider = _providers[providerAddress];
        uint256 stake = provider.stake;
        slashed = amount < stake ? amount : stake;
        if (slashed == 0) return 0;
        uint256 remaining = stake - slashed;
        provider.stake = uint96(remaining);
        if (provider.pendingUnstake > remaining) provider.pendingUnstake = uint96(remaining);
        emit ProviderSlashed(providerAddress, slashed, recipient, remaining);
        // The escrow forwards it to the recipient with its push-or-credit payout, so a blocked
        // recipient cannot make slashing (and thus dispute resolution) revert.
        _stakeToken.safeTransfer(msg.sender, slashed);
    }

    // ---------------------------------------------------------------- admin

    function setEscrow(address newEscrow) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (newEscrow == address(0)) revert ZeroAddress();
        emit EscrowUpdated(escrow, newEscrow);
        escrow = newEscrow;
        isEscrow[newEscrow] = true;
    }

    function setMinStake(uint256 newMinStake) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (newMinStake == 0) revert ZeroAmount();
        emit MinStakeUpdated(_minStake, newMinStake);
        _minStake = newMinStake.toUint96();
    }

    function setUnstakeCooldown(uint64 newCooldown) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (newCooldown > MAX_UNSTAKE_COOLDOWN) revert CooldownTooLong(newCooldown, MAX_UNSTAKE_COOLDOWN);
        emit UnstakeCooldownUpdated(unstakeCooldown, newCooldown);
        unstakeCooldown = newCooldown;
    }

    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    function unpause() external onlyRole(PAUSER_ROLE) {
        _unpause();
    }

    // ---------------------------------------------------------------- views

    function getProvider(address provider) external view returns (Provider memory) {
        return _providers[provider];
    }

    function getOffer(uint256 offerId) external view returns (Offer memory view_) {
        StoredOffer storage offer = _offers[offerId];
        if (offer.status == OfferStatus.None) revert UnknownOffer(offerId);
        view_.spec = OfferSpec({
            gpuModel: offer.gpuModel,
            gpuCount: offer.gpuCount,
            vramGb: offer.vramGb,
            cpuCores: offer.cpuCores,
            ramGb: offer.ramGb,
            diskGb: offer.diskGb,
            bandwidthMbps: offer.bandwidthMbps,
            region: offer.region,
            pricePerGpuHour: offer.pricePerGpuHour,
            minHours: offer.minHours,
            maxHours: offer.maxHours
        });
        view_.provider = offer.provider;
        view_.status = offer.status;
        view_.reservedUnits = offer.reservedUnits;
        view_.createdAt = offer.createdAt;
    }

    function offerProvider(uint256 offerId) external view returns (address) {
        return _offers[offerId].provider;
    }

    function freeUnits(uint256 offerId) external view returns (uint16) {
        StoredOffer storage offer = _offers[offerId];
        if (offer.status == OfferStatus.None) revert UnknownOffer(offerId);
        return offer.gpuCount - offer.reservedUnits;
    }

    function minStake() external view returns (uint256) {
        return _minStake;
    }

    function stakeToken() external view returns (address) {
        return address(_stakeToken);
    }

    // ---------------------------------------------------------------- internals

    /// @dev A permit that someone front-ran fails but leaves the allowance in place, so a failed permit
    ///      is not fatal here: the transfer that follows fails anyway if the allowance is missing.
    function _tryPermit(uint256 value, uint256 deadline, uint8 v, bytes32 r, bytes32 s) private returns (bool) {
        try IERC20Permit(address(_stakeToken)).permit(msg.sender, address(this), value, deadline, v, r, s) {
            return true;
        } catch {
            return false;
        }
    }

    function _pullStake(uint256 amount) private {
        uint256 before = _stakeToken.balanceOf(address(this));
        _stakeToken.safeTransferFrom(msg.sender, address(this), amount);
        uint256 received = _stakeToken.balanceOf(address(this)) - before;
        if (received != amount) revert UnsupportedToken(address(_stakeToken), amount, received);
    }

    function _activeProvider(address account) private view returns (Provider storage provider) {
        provider = _providers[account];
        if (provider.status != ProviderStatus.Active) revert NotRegistered(account);
    }

    function _requireBookableProvider(address account) private view {
        Provider storage provider = _activeProvider(account);
        uint256 effective = provider.stake - provider.pendingUnstake;
        if (effective < _minStake) revert StakeBelowMinimum(effective, _minStake);
    }

    function _ownedOffer(uint256 offerId) private view returns (StoredOffer storage offer) {
        offer = _offers[offerId];
        if (offer.status == OfferStatus.None) revert UnknownOffer(offerId);
        if (offer.provider != msg.sender) revert NotOfferOwner(offerId, msg.sender);
    }

    function _validateSpec(OfferSpec calldata spec) private pure {
        if (spec.gpuModel == bytes32(0)) revert InvalidOfferSpec("gpuModel empty");
        if (spec.region == bytes32(0)) revert InvalidOfferSpec("region empty");
        if (spec.gpuCount == 0) revert InvalidOfferSpec("gpuCount zero");
        if (spec.vramGb == 0) revert InvalidOfferSpec("vramGb zero");
        // The escrow stores lease durations in 24 bits.
        if (spec.minHours == 0 || spec.minHours > spec.maxHours || spec.maxHours > type(uint24).max) {
            revert InvalidOfferSpec("hours range");
        }
        _validatePrice(spec.pricePerGpuHour);
    }

    function _validatePrice(uint256 price) private pure {
        if (price == 0) revert InvalidOfferSpec("price zero");
        if (price > type(uint96).max) revert PriceTooHigh(price, type(uint96).max);
    }
}
