// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.28;

/// The ERC-4337 v0.8 user operation as the EntryPoint hands it to a paymaster.
struct PackedUserOperation {
    address sender;
    uint256 nonce;
    bytes initCode;
    bytes callData;
    bytes32 accountGasLimits;
    uint256 preVerificationGas;
    bytes32 gasFees;
    bytes paymasterAndData;
    bytes signature;
}

interface IEntryPointDeposits {
    function depositTo(address account) external payable;
    function withdrawTo(address payable withdrawAddress, uint256 withdrawAmount) external;
    function balanceOf(address account) external view returns (uint256);
}

/// Pays the gas of user operations that the platform's sponsor key has signed, and of no others: the deposit can only
/// be spent on operations the platform built itself. Self-contained (no imports) so the contracts compile offline.
///
/// paymasterAndData = paymaster (20) | verification gas (16) | postOp gas (16) | validUntil (6) | validAfter (6) |
/// signature (65), the layout of the reference VerifyingPaymaster.
contract SponsorPaymaster {
    uint256 private constant SIG_FAILED = 1;
    uint256 private constant DATA_OFFSET = 52;
    uint256 private constant SIGNATURE_OFFSET = 64;

    address public immutable entryPoint;
    address public immutable sponsorSigner;
    address public immutable owner;

    error NotEntryPoint();
    error NotOwner();
    error BadPaymasterData();

    constructor(address entryPoint_, address sponsorSigner_, address owner_) {
        entryPoint = entryPoint_;
        sponsorSigner = sponsorSigner_;
        owner = owner_;
    }

    /// The digest the sponsor signs: every field that decides what runs and what it may cost, bound to this chain,
    /// this paymaster and a validity window.
    function getHash(PackedUserOperation calldata op, uint48 validUntil, uint48 validAfter)
        public
        view
        returns (bytes32)
    {
        return keccak256(
            abi.encode(
                op.sender,
                op.nonce,
                keccak256(op.initCode),
                keccak256(op.callData),
                op.accountGasLimits,
                uint256(bytes32(op.paymasterAndData[20:DATA_OFFSET])),
                op.preVerificationGas,
                op.gasFees,
                block.chainid,
                address(this),
                validUntil,
                validAfter
            )
        );
    }

    function validatePaymasterUserOp(PackedUserOperation calldata op, bytes32, uint256)
        external
        view
        returns (bytes memory context, uint256 validationData)
    {
        if (msg.sender != entryPoint) revert NotEntryPoint();
        if (op.paymasterAndData.length != SIGNATURE_OFFSET + 65) revert BadPaymasterData();
        uint48 validUntil = uint48(bytes6(op.paymasterAndData[DATA_OFFSET:DATA_OFFSET + 6]));
        uint48 validAfter = uint48(bytes6(op.paymasterAndData[DATA_OFFSET + 6:SIGNATURE_OFFSET]));
        bytes32 digest = keccak256(
            abi.encodePacked("\x19Ethereum Signed Message:\n32", getHash(op, validUntil, validAfter))
        );
        bytes calldata sig = op.paymasterAndData[SIGNATURE_OFFSET:];
        bytes32 r = bytes32(sig[0:32]);
        bytes32 s = bytes32(sig[32:64]);
        uint8 v = uint8(sig[64]);
        // Malleable (high-s) signatures are refused, as ECDSA libraries do.
        bool ok = uint256(s) <= 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0
            && ecrecover(digest, v, r, s) == sponsorSigner;
        validationData = (ok ? 0 : SIG_FAILED) | (uint256(validUntil) << 160) | (uint256(validAfter) << 208);
        return ("", validationData);
    }

    /// Never called: validation returns no context, so the EntryPoint skips postOp.
    function postOp(uint8, bytes calldata, uint256, uint256) external view {
        if (msg.sender != entryPoint) revert NotEntryPoint();
    }

    function deposit() external payable {
        IEntryPointDeposits(entryPoint).depositTo{value: msg.value}(address(this));
    }

    function getDeposit() external view returns (uint256) {
        return IEntryPointDeposits(entryPoint).balanceOf(address(this));
    }

    function withdrawTo(address payable to, uint256 amount) external {
        if (msg.sender != owner) revert NotOwner();
        IEntryPointDeposits(entryPoint).withdrawTo(to, amount);
    }
}
