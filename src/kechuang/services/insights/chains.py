"""Industry chains officers edit: list, read, save (create or replace, versioned), delete, install shipped.

Every write is audited in the hash chain and may carry an idempotency key, so a retried save acts once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from kechuang.domain.access import Actor
from kechuang.domain.clock import now
from kechuang.domain.errors import Conflict, InvalidInput, NotFound
from kechuang.domain.insights import SHIPPED_CHAINS, STAGE_ORDER, Chain, ChainNode, ChainStage, check_chain
from kechuang.domain.limits import LONG_TEXT, check_text
from kechuang.store.db import UnitOfWork

from .. import audit
from .base import require_analyst

Chains: Any = Chain
Nodes: Any = ChainNode


@dataclass
class ChainWithNodes:
    """A chain and its nodes in stage order."""

    chain: Chain
    nodes: list[ChainNode]

    def as_dict(self) -> dict[str, Any]:
        c = self.chain
        return {
            "id": c.id,
            "code": c.code,
            "name_zh": c.name_zh,
            "name_en": c.name_en,
            "description_zh": c.description_zh,
            "description_en": c.description_en,
            "version": c.version,
            "updated_by": c.updated_by,
            "updated_at": c.updated_at.isoformat() if c.updated_at else None,
            "nodes": [node_dict(n) for n in self.nodes],
        }


def node_dict(node: ChainNode) -> dict[str, Any]:
    return {
        "id": node.id,
        "stage": node.stage.value,
        "position": node.position,
        "name_zh": node.name_zh,
        "name_en": node.name_en,
        "industry_codes": list(node.industry_codes),
        "keywords_zh": list(node.keywords_zh),
        "keywords_en": list(node.keywords_en),
    }


def _nodes_of(session: Session, chain_id: int) -> list[ChainNode]:
    found = session.scalars(select(Nodes).where(Nodes.chain_id == chain_id))
    return sorted(found, key=lambda n: (STAGE_ORDER[n.stage], n.position, n.id))


def list_chains(actor: Actor, uow: UnitOfWork) -> list[ChainWithNodes]:
    require_analyst(actor)
    with uow() as session:
        chains = list(session.scalars(select(Chains).order_by(Chains.id)))
        return [ChainWithNodes(c, _nodes_of(session, c.id)) for c in chains]


def get_chain(actor: Actor, uow: UnitOfWork, chain_id: int) -> ChainWithNodes:
    require_analyst(actor)
    with uow() as session:
        chain = session.get(Chains, chain_id)
        if chain is None:
            raise NotFound(f"no chain {chain_id}")
        return ChainWithNodes(chain, _nodes_of(session, chain_id))


def _text(value: object, name: str, limit: int) -> str:
    try:
        return check_text(str(value or "").strip(), max_length=limit, multiline=limit == LONG_TEXT)
    except ValueError as exc:
        raise InvalidInput(f"{name} {exc}", field=name) from exc


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    """Checked, trimmed fields of a chain and its nodes (every problem named by field)."""
    nodes = data.get("nodes") if isinstance(data.get("nodes"), list) else []
    nodes = [n if isinstance(n, dict) else {} for n in nodes]  # type: ignore[union-attr]
    fields: dict[str, Any] = {
        key: _text(data.get(key), key, limit)
        for key, limit in (
            ("code", 60),
            ("name_zh", 200),
            ("name_en", 200),
            ("description_zh", LONG_TEXT),
            ("description_en", LONG_TEXT),
        )
    }
    check_chain(fields["code"], fields["name_zh"], fields["name_en"], nodes)
    fields["nodes"] = [
        {
            "stage": ChainStage(str(n["stage"])),
            "position": index,
            "name_zh": _text(n.get("name_zh"), f"nodes[{index}].name_zh", 200),
            "name_en": _text(n.get("name_en"), f"nodes[{index}].name_en", 200),
            "industry_codes": list(dict.fromkeys(n.get("industry_codes") or [])),
            "keywords_zh": [_text(w, f"nodes[{index}].keywords_zh", 60) for w in n.get("keywords_zh") or []],
            "keywords_en": [_text(w, f"nodes[{index}].keywords_en", 60) for w in n.get("keywords_en") or []],
        }
        for index, n in enumerate(nodes)
    ]
    return fields


def save_chain(
    actor: Actor,
    uow: UnitOfWork,
    data: dict[str, Any],
    *,
    chain_id: int | None = None,
    expected_version: int | None = None,
    idempotency_key: str | None = None,
    is_sample: bool = False,
) -> ChainWithNodes:
    """Create a chain (no `chain_id`) or replace one whole; `expected_version` guards concurrent edits."""
    require_analyst(actor)
    fields = _clean(data)
    action = "insights.chain.save"
    with uow() as session:
        head = audit.lock_chain(session)
        done = audit.replayed_id(session, actor, idempotency_key, action)
        if done is not None:
            chain_id = done
        else:
            chain = _write(session, actor, fields, chain_id, expected_version, is_sample)
            assert chain.id is not None
            chain_id = chain.id
            audit.append(
                session,
                head,
                actor,
                action,
                "insight_chain",
                chain.id,
                {"code": chain.code, "version": chain.version, "nodes": len(fields["nodes"])},
            )
            audit.remember(session, actor, idempotency_key, action, "insight_chain", chain.id)
    return get_chain(actor, uow, chain_id)


def _write(
    session: Session,
    actor: Actor,
    fields: dict[str, Any],
    chain_id: int | None,
    expected_version: int | None,
    is_sample: bool,
) -> Chain:
    same_code = session.scalar(select(Chains).where(Chains.code == fields["code"]))
    if chain_id is None:
        if same_code is not None:
            raise Conflict(f"a chain with code '{fields['code']}' exists", field="code")
        chain = Chain(is_sample=is_sample, version=1)
        session.add(chain)
    else:
        found = session.get(Chains, chain_id, with_for_update=True)
        if found is None:
            raise NotFound(f"no chain {chain_id}")
        chain = found
        if same_code is not None and same_code.id != chain_id:
            raise Conflict(f"a chain with code '{fields['code']}' exists", field="code")
        if expected_version is not None and expected_version != chain.version:
            raise Conflict(
                f"the chain changed meanwhile (version {chain.version}); reload it", field="version"
            )
        chain.version += 1
        session.execute(delete(Nodes).where(Nodes.chain_id == chain_id))
    for key in ("code", "name_zh", "name_en", "description_zh", "description_en"):
        setattr(chain, key, fields[key])
    chain.updated_by, chain.updated_at = actor.name, now()
    session.flush()
    for node in fields["nodes"]:
        session.add(ChainNode(chain_id=int(chain.id or 0), **node))
    return chain


def delete_chain(actor: Actor, uow: UnitOfWork, chain_id: int) -> None:
    """Remove a chain and its nodes (audited)."""
    require_analyst(actor)
    with uow() as session:
        head = audit.lock_chain(session)
        chain = session.get(Chains, chain_id)
        if chain is None:
            raise NotFound(f"no chain {chain_id}")
        audit.append(
            session, head, actor, "insights.chain.delete", "insight_chain", chain_id, {"code": chain.code}
        )
        session.execute(delete(Nodes).where(Nodes.chain_id == chain_id))
        session.delete(chain)


def install_shipped_chains(actor: Actor, uow: UnitOfWork, *, is_sample: bool = False) -> list[str]:
    """Add the shipped chains that are missing (by code); existing ones, maybe edited, are kept."""
    require_analyst(actor)
    with uow() as session:
        present = set(session.scalars(select(Chains.code)))
    added = []
    for data in SHIPPED_CHAINS:
        if data["code"] not in present:
            save_chain(actor, uow, data, is_sample=is_sample)
            added.append(str(data["code"]))
    return added
