// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.28;

interface IERC20Transfer {
    function transfer(address to, uint256 amount) external returns (bool);
    function balanceOf(address account) external view returns (uint256);
}

interface IFlashReceivers {
    function uniswapV3FlashCallback(uint256 fee0, uint256 fee1, bytes calldata data) external;
    function receiveFlashLoan(
        address[] calldata tokens,
        uint256[] calldata amounts,
        uint256[] calldata feeAmounts,
        bytes calldata userData
    ) external;
    function executeOperation(
        address asset,
        uint256 amount,
        uint256 premium,
        address initiator,
        bytes calldata params
    ) external returns (bool);
}

/// @notice Test fixture, never deployed outside tests: offers the flash-loan entry points of a Uniswap-V3 pool, a
/// Balancer vault and an Aave pool, lends for real (from its own balance), and then calls the borrower's hook in a
/// way the real lender never would; or, in Honest mode, as the Balancer vault does (no fee, repayment checked).
contract HostileLender {
    enum Mode {
        ForgedData, // calls the hook with data of its own
        Twice, // calls the hook twice with the borrower's data (re-entry, replay)
        Silent, // lends and never calls the hook
        WrongTerms, // calls the hook with the borrower's data but other terms (Aave initiator, Balancer amount)
        Honest // lends as the Balancer vault does: no fee, and reverts unless repaid by the time the hook returns
    }

    error NotRepaid(uint256 balance, uint256 owed);

    address public immutable token0;
    address public immutable token1;
    Mode private immutable mode;
    bytes private forged;

    constructor(address token0_, address token1_, Mode mode_, bytes memory forged_) {
        token0 = token0_;
        token1 = token1_;
        mode = mode_;
        forged = forged_;
    }

    function _data(bytes calldata data) private view returns (bytes memory) {
        if (mode == Mode.ForgedData) return forged;
        return data;
    }

    /// Uniswap-V3 pool.
    function flash(address recipient, uint256 amount0, uint256 amount1, bytes calldata data) external {
        if (amount0 > 0) IERC20Transfer(token0).transfer(recipient, amount0);
        if (amount1 > 0) IERC20Transfer(token1).transfer(recipient, amount1);
        if (mode == Mode.Silent) return;
        IFlashReceivers(msg.sender).uniswapV3FlashCallback(0, 0, _data(data));
        if (mode == Mode.Twice) IFlashReceivers(msg.sender).uniswapV3FlashCallback(0, 0, data);
    }

    /// Balancer V2 vault.
    function flashLoan(
        address recipient,
        address[] calldata tokens,
        uint256[] calldata amounts,
        bytes calldata userData
    ) external {
        uint256 before = IERC20Transfer(tokens[0]).balanceOf(address(this));
        IERC20Transfer(tokens[0]).transfer(recipient, amounts[0]);
        if (mode == Mode.Silent) return;
        uint256[] memory fees = new uint256[](1);
        uint256[] memory lent = new uint256[](1);
        lent[0] = mode == Mode.WrongTerms ? amounts[0] + 1 : amounts[0];
        IFlashReceivers(recipient).receiveFlashLoan(tokens, lent, fees, _data(userData));
        if (mode == Mode.Twice) IFlashReceivers(recipient).receiveFlashLoan(tokens, lent, fees, userData);
        uint256 balance = IERC20Transfer(tokens[0]).balanceOf(address(this));
        if (balance < before) revert NotRepaid(balance, before);
    }

    /// Aave V3 pool.
    function flashLoanSimple(address receiver, address asset, uint256 amount, bytes calldata params, uint16) external {
        IERC20Transfer(asset).transfer(receiver, amount);
        if (mode == Mode.Silent) return;
        address initiator = mode == Mode.WrongTerms ? address(this) : msg.sender;
        IFlashReceivers(receiver).executeOperation(asset, amount, 0, initiator, _data(params));
        if (mode == Mode.Twice) IFlashReceivers(receiver).executeOperation(asset, amount, 0, initiator, params);
    }
}
