import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { ValidationFailedError } from '../errors/domain-error';
import { KnownTenants } from './known-tenants';
import { Tenant } from './tenant.entity';

@Injectable()
export class TenantService {
  constructor(
    @InjectRepository(Tenant) private readonly tenants: Repository<Tenant>,
    private readonly known: KnownTenants,
  ) {}

  async create(name: string): Promise<Tenant> {
    const trimmed = name.trim();
    if (trimmed.length === 0 || trimmed.length > 200) {
      throw new ValidationFailedError({ name: 'must be 1-200 characters' });
    }
    const tenant = await this.tenants.save(this.tenants.create({ name: trimmed }));
    this.known.remember(tenant.id);
    return tenant;
  }

  findById(id: string): Promise<Tenant | null> {
    return this.tenants.findOneBy({ id });
  }
}
