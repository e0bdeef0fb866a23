// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ILeaseEscrow} from "./interfaces/ILeaseEscrow.sol";
import {IProviderRegistry} from "./interfaces/IProviderRegistry.sol";
import {StoredLease} from "./LeaseStorage.sol";

/// @title LeaseExtensions
/// @notice Prices an extension of a running lease. Deployed once and linked into LeaseEscrow (kept out of
///         it for the EIP-170 size limit: decoding a whole offer is most of the cost).
library LeaseExtensions {
    /// @dev An extension is a new purchase: only while the offer is on sale, at today's price and within
    ///      the renter's limit, so a delisted or repriced offer cannot be held at an old rate forever.
    function quote(StoredLease storage lease, IProviderRegistry registry, uint32 extraHours, uint256 maxPricePerGpuHour)
        external
        view
        returns (uint256 extraDeposit, uint256 totalHours)
    {
        uint256 offerId = lease.offerId;
        IProviderRegistry.Offer memory offer = registry.getOffer(offerId);
        if (offer.status != IProviderRegistry.OfferStatus.Active) revert ILeaseEscrow.OfferNotBookable(offerId);
        uint256 price = offer.spec.pricePerGpuHour;
        if (price > maxPricePerGpuHour) revert ILeaseEscrow.PriceAboveMax(price, maxPricePerGpuHour);
        uint32 maxHours = offer.spec.maxHours;
        totalHours = uint256(lease.durationHours) + extraHours;
        // Reported as the extension asked for and the most that still fits the offer's maximum.
        if (totalHours > maxHours) {
            revert ILeaseEscrow.HoursOutOfRange(extraHours, 1, maxHours - lease.durationHours);
        }
        extraDeposit = uint256(lease.gpus) * extraHours * price;
    }
}
