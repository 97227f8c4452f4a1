"""CPU credits in the TUI, against the real mock over TLS: the products' detail shows the balance, `g` on a
burstable product explains the cost and defaults to generating here, and a refusal for exhausted credits is
explained with the budget."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ravensec.core.profile import Profile
from ravensec.tui.modals.cert_forms import CertFormModal
from ravensec.tui.modals.credits import CreditsAdviceModal
from ravensec.tui.screens.products import ProductsScreen
from tests.tui.helpers import click_save, fill, make_app, press, screen_text, settle, toasts
from tests.tui.test_pilot_certificates import mock_certs, open_certs


async def test_products_detail_shows_the_cpu_credits(cloud: Any, product: Any, operator_profile: Profile) -> None:
    product.set_cpu_credits(remaining=2160)  # 36 of the Free instance's 72 credits
    app = make_app(operator_profile, now=cloud.state.clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, ProductsScreen)
        assert "CPU credits 36.0 of 72 credits (50%)" in screen_text(app)


async def test_generate_explains_the_cost_and_defaults_to_off_cloud(
    cloud: Any, product: Any, operator_profile: Profile, tmp_path: Path
) -> None:
    app = make_app(operator_profile, now=cloud.state.clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_certs(pilot, product)
        await press(pilot, "g")
        assert isinstance(app.screen, CreditsAdviceModal)
        text = screen_text(app)
        assert "about 6 CPU seconds (0.10 credits) and 24 s" in text  # a quarter of a core: 4x longer
        assert "CPU credits now: 72.0 of 72 credits (100%)" in text and "never leaves" in text
        await press(pilot, "enter")  # the default: generate here and register
        form = app.screen
        assert isinstance(form, CertFormModal) and form.mode == "local"
        fill(app, name="kept-here", folder=str(tmp_path / "keys"), perms="Notes:Read")
        await click_save(pilot)
        entries = [c for c in mock_certs(cloud, product.id).values() if c.name == "kept-here"]
        assert len(entries) == 1 and not entries[0].generated_by_server, toasts(app)
    assert product.cpu_credits()["RemainingCpuCredits"] == 4320  # nothing spent


async def test_a_refusal_for_exhausted_credits_is_explained(
    cloud: Any, product: Any, operator_profile: Profile, tmp_path: Path
) -> None:
    product.set_cpu_credits(remaining=0)
    cloud.faults.add(route="/admin/certificates", method="POST", kind="cpu-credits")
    app = make_app(operator_profile, now=cloud.state.clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_certs(pilot, product)
        await press(pilot, "g")
        assert "exhausted, database requests are refused" in screen_text(app)
        await press(pilot, "s")
        fill(app, name="svc", folder=str(tmp_path / "out"), months="12", perms="Notes:Read")
        await click_save(pilot)
        said = "\n".join([screen_text(app), *toasts(app)])
    assert "used up its CPU credits" in said and "Balance: 0.0 of 72 credits" in said
    assert "generate certificates here" in said
